// The whole BigBlueButton path through gateway::MeetingLink: the real adapter (C++ and script)
// opening a Greenlight v3 room fixture, waiting while the meeting has not started, following
// Greenlight to the BBB client fixture, joining there on the second join(), and ending the call
// when 3.0 leaves the client without a meeting-ended modal (skipMeetingEnded).
#include "meeting_link_fixture.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace {

using gateway::MeetingEnd;
using testsupport::read_file;

const std::string kFixtures = std::string(SIPMEDIAGW_SOURCE_DIR) + "/tests/fixtures/bigbluebutton";

// A fixture page with switches preset.
std::string with_params(const std::string& html, const std::string& params) {
    return browser_test::with_head_script(html, "window.FIXTURE_PARAMS = '" + params + "';");
}

using BigBlueButtonLinkTest = browser_test::MeetingLinkFixture;

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

    gateway::MeetingJoinSettings settings;
    settings.join_timeout_s = 60;
    settings.password = "1234";  // the Greenlight access code
    start(**adapter, services::JoinRequest{"abc-def-ghi", "Alice (SIP)", {}}, settings);

    ASSERT_TRUE(wait_for([&] { return seen_.joined > 0 || seen_.end.has_value(); }))
        << "never joined";
    ASSERT_EQ(seen_.joined, 1) << "ended instead: " << seen_.cause;
    EXPECT_EQ(seen_.waiting, std::vector<std::string>{"meeting_not_started"});
    // The meeting "ends" with a redirect to the logout URL and no modal: still the end.
    ASSERT_TRUE(wait_for([&] { return seen_.end.has_value(); }))
        << "the redirect away went unnoticed";
    EXPECT_EQ(*seen_.end, MeetingEnd::Ended) << seen_.cause;
    EXPECT_NE(seen_.cause.find("left the meeting"), std::string::npos) << seen_.cause;
}

}  // namespace
