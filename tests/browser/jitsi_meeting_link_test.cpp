// The whole path for Jitsi Meet: gateway::MeetingLink with the real Jitsi adapter, the real
// scripts (media bridge, compositor, jitsi.js) and the page fixture
// tests/fixtures/jitsi/master-6549d472/ on 127.0.0.1. The meeting frame is same-origin with the
// host page; its getUserMedia gets the gateway's media (no fake devices here: the frame joins
// only once the camera track delivers frames), and the meeting's media comes back to the
// gateway. A password typed by the caller, a breakout move and "end meeting for all" go
// through the link's events.
#include "meeting_link_fixture.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace {

using browser::Json;
using gateway::MeetingEnd;

const std::string kFixtureDir =
    std::string(SIPMEDIAGW_SOURCE_DIR) + "/tests/fixtures/jitsi/master-6549d472";

class JitsiMeetingLinkTest : public browser_test::MeetingLinkFixture {
protected:
    void SetUp() override {
        MeetingLinkFixture::SetUp();
        http_.add("/external_api.js", testsupport::read_file(kFixtureDir + "/external_api.js"),
                  "application/javascript");
    }

    void serve_room(const std::string& path, const Json& room) {
        http_.add("/" + path, browser_test::with_head_script(
                                  testsupport::read_file(kFixtureDir + "/meeting.html"),
                                  "window.fixtureRoom = " + room.dump() + ";"));
    }

    // What a moderator does next (the fixture polls it).
    void control(const std::string& hook, const Json& args = Json::array()) {
        http_.add("/control", Json{{"seq", ++control_seq_}, {"hook", hook}, {"args", args}}.dump(),
                  "application/json");
    }

    int control_seq_ = 0;
};

TEST_F(JitsiMeetingLinkTest, TypedPasswordGatewayMediaBothWaysBreakoutMoveThenEndForAll) {
    serve_room("tenant/Room1",
               Json{{"password", "4321"}, {"requireLocalFrames", 10}, {"control", "/control"}});
    core::ServiceConfig cfg;
    cfg.name = "jitsi";
    cfg.base_url = "http://127.0.0.1:" + std::to_string(http_.port()) + "/tenant";
    auto adapter = services::make_adapter(cfg);
    ASSERT_TRUE(adapter.ok()) << adapter.error().message;

    // The caller types a wrong password first, then the right one.
    start(**adapter, services::JoinRequest{"Room1", "Caller (SIP)", {}},
          {.join_timeout_s = 90, .wait_timeout_s = 300, .password = "", .language = "en"},
          [this](bool) { link_->submit_password(seen_.password.size() == 1 ? "1111" : "4321"); });

    ASSERT_TRUE(wait_for([&] { return seen_.joined > 0 || seen_.end; }))
        << "neither joined nor ended";
    ASSERT_FALSE(seen_.end) << seen_.cause;
    EXPECT_EQ(seen_.password, std::vector<bool>({false, true}));
    // The meeting's media reaches the gateway (its participant's video and tone, drawn and
    // mixed in the meeting frame), and the meeting counts us and one other.
    EXPECT_TRUE(wait_for([&] {
        return seen_.others == 1 && link_->bridge() != nullptr &&
               link_->bridge()->stats().video_frames_from_page >= 10 &&
               link_->bridge()->stats().audio_buffers_from_page >= 10;
    })) << "others="
        << seen_.others;

    control("breakoutMove", Json::array({"Breakout 1"}));
    ASSERT_TRUE(wait_for([&] { return seen_.joined >= 2 || seen_.end; }));
    EXPECT_FALSE(seen_.end) << seen_.cause;
    EXPECT_EQ(seen_.reconnecting, std::vector<std::string>({"breakout room move"}));

    control("end");
    ASSERT_TRUE(wait_for([&] { return seen_.end.has_value(); }));
    EXPECT_EQ(*seen_.end, MeetingEnd::Ended) << seen_.cause;
    EXPECT_NE(seen_.cause.find("the meeting was closed"), std::string::npos) << seen_.cause;
    // The page stays until the call's end destroys the link (TearDown checks the browser went).
}

}  // namespace
