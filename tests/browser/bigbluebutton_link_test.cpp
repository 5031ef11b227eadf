// The whole BigBlueButton path through gateway::MeetingLink: the real adapter (C++ and script)
// opening a Greenlight v3 room fixture, waiting while the meeting has not started, following
// Greenlight to the BBB client fixture, joining there on the second join(), and ending the call
// when 3.0 leaves the client without a meeting-ended modal (skipMeetingEnded).
#include "browser_fixture.hpp"
#include "gateway/meeting_link.hpp"
#include "http_server.hpp"
#include "services/adapter.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace {

using gateway::MeetingEnd;
using testsupport::read_file;

const std::string kFixtures = std::string(SIPMEDIAGW_SOURCE_DIR) + "/tests/fixtures/bigbluebutton";

// A fixture page with switches preset (the adapter builds the URL, so the query is not ours).
std::string with_params(const std::string& html, const std::string& params) {
    std::string out = html;
    const auto head = out.find("<head>");
    out.insert(head + 6, "<script>window.FIXTURE_PARAMS = '" + params + "';</script>");
    return out;
}

class BigBlueButtonLinkTest : public browser_test::BrowserFixture {
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

    bool wait_for(const std::function<bool()>& cond,
                  std::chrono::seconds timeout = std::chrono::seconds(90)) {
        return run_until(
            [&] {
                if (link_) track(link_->browser_pid());
                return cond();
            },
            timeout);
    }

    browser_test::HttpServer http_;
    std::unique_ptr<browser::Pool> pool_;
    std::unique_ptr<gateway::MeetingLink> link_;
};

TEST_F(BigBlueButtonLinkTest, GreenlightWaitThenClientThenRedirectAwayEndsTheCall) {
    http_.add("/fixture/bigbluebutton/client-core.js", read_file(kFixtures + "/client-core.js"),
              "application/javascript");
    http_.add("/rooms/abc-def-ghi/join",
              with_params(read_file(kFixtures + "/greenlight-v3/join.html"),
                          "code=1234&consent=1&started=0&startAfterMs=3000&clientQuery=" +
                              std::string("skipMeetingEnded%3D1%26endAfterJoinMs%3D2000")));
    http_.add("/html5client/join", read_file(kFixtures + "/3.0/client.html"));
    http_.add("/logout", "<!doctype html><p>logged out</p>");

    core::ServiceConfig c;
    c.name = "bigbluebutton";
    c.base_url = "http://127.0.0.1:" + std::to_string(http_.port());
    auto adapter = services::make_adapter(c);
    ASSERT_TRUE(adapter.ok());

    int joined = 0;
    std::vector<std::string> waiting;
    std::optional<MeetingEnd> end;
    std::string cause;
    gateway::MeetingLinkEvents ev;
    ev.on_joined = [&] { ++joined; };
    ev.on_waiting = [&](const std::string& r) { waiting.push_back(r); };
    ev.on_ended = [&](MeetingEnd e, const std::string& why) {
        end = e;
        cause = why;
    };
    link_ = std::make_unique<gateway::MeetingLink>(
        "bbb1", **adapter, services::JoinRequest{"abc-def-ghi", "Alice (SIP)", {}}, *pool_, *loop_,
        std::move(ev));
    gateway::MeetingJoinSettings settings;
    settings.join_timeout_s = 60;
    settings.password = "1234";  // the Greenlight access code
    link_->set_join_settings(settings);
    link_->start();

    ASSERT_TRUE(wait_for([&] { return joined > 0 || end.has_value(); })) << "never joined";
    ASSERT_EQ(joined, 1) << "ended instead: " << cause;
    EXPECT_EQ(waiting, std::vector<std::string>{"meeting_not_started"});
    // The meeting "ends" with a redirect to the logout URL and no modal: still the end.
    ASSERT_TRUE(wait_for([&] { return end.has_value(); })) << "the redirect away went unnoticed";
    EXPECT_EQ(*end, MeetingEnd::Ended) << cause;
    EXPECT_NE(cause.find("left the meeting"), std::string::npos) << cause;
}

}  // namespace
