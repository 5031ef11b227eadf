// gateway::MeetingLink against real Chromium: a pool without spares, a local HTTP server for the
// meeting pages (test pages, or the service fixtures under tests/fixtures), the link under test
// and every event it raised. Shared by the MeetingLink tests of the adapter contract, Jitsi and
// BigBlueButton.
#pragma once

#include "browser_fixture.hpp"
#include "gateway/meeting_link.hpp"
#include "http_server.hpp"
#include "services/adapter.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace browser_test {

// What the link told its call so far.
struct MeetingLinkSeen {
    int joined = 0;
    std::optional<gateway::MeetingEnd> end;
    std::string cause;
    std::vector<std::string> waiting;
    std::vector<bool> password;  // each request's `retry`
    std::vector<std::string> reconnecting;
    size_t others = 0;
};

// `html` with `script` run first in its <head> (a fixture's switches: the adapter builds the
// URL, so the query string is not the test's to set).
inline std::string with_head_script(const std::string& html, const std::string& script) {
    std::string out = html;
    out.insert(out.find("<head>") + 6, "<script>" + script + "</script>");
    return out;
}

class MeetingLinkFixture : public BrowserFixture {
protected:
    void SetUp() override {
        BrowserFixture::SetUp();
        browser::PoolOptions o;
        o.launch = launch_options();
        o.spares = 0;
        pool_ = std::make_unique<browser::Pool>(o);
        pool_->start();
    }

    void TearDown() override {
        link_.reset();
        pool_.reset();
        BrowserFixture::TearDown();
    }

    // Starts link_, recording its events in seen_; on_password runs after a password request
    // is recorded (a caller typing one: link_->submit_password).
    void start(const services::Adapter& adapter, services::JoinRequest request,
               gateway::MeetingJoinSettings settings, std::function<void(bool)> on_password = {},
               std::optional<gateway::JoiningSlate> slate = std::nullopt) {
        gateway::MeetingLinkEvents ev;
        ev.on_joined = [this] { ++seen_.joined; };
        ev.on_ended = [this](gateway::MeetingEnd end, const std::string& cause) {
            seen_.end = end;
            seen_.cause = cause;
        };
        ev.on_waiting = [this](const std::string& r) { seen_.waiting.push_back(r); };
        ev.on_password_required = [this, on_password](bool retry) {
            seen_.password.push_back(retry);
            if (on_password) on_password(retry);
        };
        ev.on_reconnecting = [this](const std::string& r) { seen_.reconnecting.push_back(r); };
        ev.on_participants = [this](size_t others) { seen_.others = others; };
        ev.content = [this] { return content_; };
        link_ = std::make_unique<gateway::MeetingLink>("t1", adapter, std::move(request), *pool_,
                                                       *loop_, std::move(ev));
        link_->set_join_settings(std::move(settings));
        if (slate) link_->set_joining_slate(*slate);
        link_->start();
    }

    // Waits (generously) for cond, remembering the link's browser for the end-of-test check.
    bool wait_for(const std::function<bool()>& cond,
                  std::chrono::seconds timeout = std::chrono::seconds(90)) {
        return run_until(
            [&] {
                if (link_) track(link_->browser_pid());
                return cond();
            },
            timeout);
    }

    // poll_evaluate in the link's page and its media bridge's frame as they are at each poll: a
    // rejoin replaces (destroys) the page, so none is held across polls.
    browser::Json poll_link(const std::string& expression,
                            const std::function<bool(const browser::Json&)>& accept,
                            std::chrono::seconds timeout = std::chrono::seconds(30)) {
        return poll_evaluate_at(
            [this] {
                if (!link_) return EvalTarget{};
                return EvalTarget{link_->page(), link_->bridge_frame()};
            },
            expression, accept, timeout);
    }

    HttpServer http_;
    std::unique_ptr<browser::Pool> pool_;
    std::unique_ptr<gateway::MeetingLink> link_;
    MeetingLinkSeen seen_;
    bool content_ = false;  // the call has a content line: links are made with a content track
};

}  // namespace browser_test
