// The set-up of the tests that drive the page's media bridge without a MeetingLink (encoded
// forwarding both ways): a browser allowed media on the test server's 127.0.0.1 origin, and a
// page with the bridge's scripts injected as MeetingLink injects them.
#pragma once

#include "browser_fixture.hpp"
#include "http_server.hpp"
#include "media/meeting_bridge.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace browser_test {

class BridgePageFixture : public BrowserFixture {
protected:
    struct BridgePage {
        std::unique_ptr<browser::Browser> browser;
        std::unique_ptr<browser::Page> page;
    };

    // `config`: the window.__smgwBridgeConfig object literal. The meeting forwarder (the
    // meeting's video to the caller) is injected only where asked, as an older page would run.
    // Either pointer is null, with a test failure, when a step failed.
    BridgePage open_bridge_page(const HttpServer& http, const std::string& config,
                                bool meeting_forwarder) {
        BridgePage out;
        out.browser = launch_ready();
        if (!out.browser) return out;
        std::optional<core::Status> granted;
        out.browser->grant_permissions("http://127.0.0.1:" + std::to_string(http.port()),
                                       [&](core::Status st) { granted = std::move(st); });
        EXPECT_TRUE(run_until([&] { return granted.has_value(); }));
        EXPECT_TRUE(granted && granted->ok())
            << (granted && !granted->ok() ? granted->error().message : "");
        if (!granted || !granted->ok()) return out;
        const std::string assets = SIPMEDIAGW_ASSETS_DIR;
        browser::PageOptions options;
        options.scripts = {"window.__smgwBridgeConfig = " + config + ";",
                           testsupport::read_file(assets + "/bridge/compositor.js"),
                           testsupport::read_file(assets + "/bridge/forwarder.js")};
        if (meeting_forwarder)
            options.scripts.push_back(
                testsupport::read_file(assets + "/bridge/meeting_forwarder.js"));
        options.scripts.push_back(testsupport::read_file(assets + "/bridge/media_bridge.js"));
        options.bindings = {"__smgwSignal"};
        out.page = open_page(*out.browser, options);
        return out;
    }

    // The gateway's side of the link for `session`, signalling with the page's bridge as
    // MeetingLink does: the page's hello numbers the link's video as the page numbers it and
    // starts the link, answers and candidates go to the link, and every other message of the
    // page to `other`. The page must outlive the bridge.
    core::Result<std::unique_ptr<media::MeetingBridge>> connect_bridge(
        browser::Page& page, const std::string& session, const media::MeetingBridgeOptions& options,
        std::function<void(const std::string& type, const browser::Json& msg)> other) {
        browser::Page* p = &page;
        auto bridge = media::MeetingBridge::create(
            session, options, [this](std::function<void()> fn) { loop_->post(std::move(fn)); },
            [this, p](const browser::Json& msg) {
                p->evaluate_in(bridge_frame_, "__smgwBridge.receive(" + msg.dump() + ")",
                               [](core::Result<browser::Json>) {});
            });
        if (!bridge) return bridge;
        media::MeetingBridge* b = bridge->get();
        page.on_binding([this, b, other = std::move(other)](const std::string& name,
                                                            const std::string& payload,
                                                            const browser::FrameContext& from) {
            if (name != "__smgwSignal") return;
            const browser::Json msg = browser::Json::parse(payload);
            const std::string type = msg.value("type", "");
            if (type == "hello") {
                bridge_frame_ = from;
                if (msg.contains("videoFormats")) b->match_page_payload_type(msg["videoFormats"]);
                EXPECT_TRUE(b->link().start().ok());
            } else if (type == "answer" || type == "candidate") {
                b->link().receive(msg);
            } else {
                other(type, msg);
            }
        });
        return bridge;
    }

private:
    browser::FrameContext bridge_frame_;  // the page's bridge, once it said hello
};

}  // namespace browser_test
