// The real bridge script is in place before page scripts, in the page and in a cross-origin
// iframe; and it stays out of pages the gateway did not open (no binding).
#include "browser_fixture.hpp"
#include "http_server.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

namespace {

using browser::Json;

std::string bridge_source() {
    std::ifstream in(std::string(SIPMEDIAGW_ASSETS_DIR) + "/bridge/media_bridge.js");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Reports, at parse time, what a meeting script would find.
std::string probe_page(const std::string& frame, const std::string& extra = {}) {
    return "<!doctype html><html><body><script>(async () => {"
           "const devices = await navigator.mediaDevices.enumerateDevices();"
           "const native = /\\[native code\\]/.test(String(navigator.mediaDevices.getUserMedia));"
           "__smgwSignal(JSON.stringify({type: 'probe', frame: '" +
           frame +
           "', bridge: typeof __smgwBridge, native,"
           " devices: devices.map(d => d.kind + ':' + d.label)}));"
           "})();</script>" +
           extra + "</body></html>";
}

class BridgeTest : public browser_test::BrowserFixture {};

TEST_F(BridgeTest, ReplacesMediaDevicesBeforePageScriptsInPageAndCrossOriginIframe) {
    browser_test::HttpServer http;
    http.add("/frame.html", probe_page("child"));
    http.add("/index.html",
             probe_page("main",
                        "<iframe src=\"" + http.url("localhost", "/frame.html") + "\"></iframe>"));
    auto b = launch_ready();
    ASSERT_TRUE(b);
    browser::PageOptions options;
    options.scripts = {bridge_source()};
    ASSERT_FALSE(options.scripts[0].empty());
    options.bindings = {"__smgwSignal"};
    auto page = open_page(*b, options);
    ASSERT_TRUE(page);
    std::map<std::string, Json> probes;
    page->on_binding(
        [&](const std::string&, const std::string& payload, const browser::FrameContext&) {
            Json msg = Json::parse(payload);
            if (msg["type"] == "probe") {
                const std::string frame = msg["frame"];
                probes[frame] = std::move(msg);
            }
        });
    ASSERT_TRUE(navigate(*page, http.url("127.0.0.1", "/index.html")).ok());
    ASSERT_TRUE(run_until([&] { return probes.size() == 2; }));
    const Json expected =
        Json::array({"videoinput:sipmediagw camera", "audioinput:sipmediagw microphone",
                     "audiooutput:sipmediagw speaker"});
    for (const char* frame : {"main", "child"}) {
        SCOPED_TRACE(frame);
        EXPECT_EQ(probes[frame]["bridge"], "object");
        EXPECT_EQ(probes[frame]["native"], false);
        EXPECT_EQ(probes[frame]["devices"], expected);
    }
}

TEST_F(BridgeTest, StaysOutOfPagesWithoutTheBinding) {
    browser_test::HttpServer http;
    http.add("/", "<!doctype html><title>plain</title>");
    auto b = launch_ready();
    ASSERT_TRUE(b);
    browser::PageOptions options;
    options.scripts = {bridge_source()};
    auto page = open_page(*b, options);
    ASSERT_TRUE(page);
    ASSERT_TRUE(navigate(*page, http.url("127.0.0.1", "/")).ok());
    auto r = evaluate(*page,
                      "typeof window.__smgwBridge + '/' + "
                      "/\\[native code\\]/.test(String(navigator.mediaDevices.getUserMedia))");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, "undefined/true");
}

}  // namespace
