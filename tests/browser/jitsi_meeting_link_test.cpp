// The whole path for Jitsi Meet: gateway::MeetingLink with the real Jitsi adapter, the real
// scripts (media bridge, compositor, jitsi.js) and the page fixture
// tests/fixtures/jitsi/master-6549d472/ on 127.0.0.1. The meeting frame is same-origin with the
// host page; its getUserMedia gets the gateway's media (no fake devices here: the frame joins
// only once the camera track delivers frames), and the meeting's media comes back to the
// gateway. A password typed by the caller, a breakout move and "end meeting for all" go
// through the link's events.
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

using browser::Json;
using gateway::MeetingEnd;

const std::string kFixtureDir =
    std::string(SIPMEDIAGW_SOURCE_DIR) + "/tests/fixtures/jitsi/master-6549d472";

class JitsiMeetingLinkTest : public browser_test::BrowserFixture {
protected:
    void SetUp() override {
        BrowserFixture::SetUp();
        browser::PoolOptions o;
        o.launch = launch_options();
        o.spares = 0;
        pool_ = std::make_unique<browser::Pool>(o);
        pool_->start();
        http_.add("/external_api.js", testsupport::read_file(kFixtureDir + "/external_api.js"),
                  "application/javascript");
    }

    void TearDown() override {
        link_.reset();
        pool_.reset();
        BrowserFixture::TearDown();
    }

    void serve_room(const std::string& path, const Json& room) {
        std::string html = testsupport::read_file(kFixtureDir + "/meeting.html");
        html.insert(html.find("<head>") + 6,
                    "<script>window.fixtureRoom = " + room.dump() + ";</script>");
        http_.add("/" + path, html);
    }

    // What a moderator does next (the fixture polls it).
    void control(const std::string& hook, const Json& args = Json::array()) {
        http_.add("/control", Json{{"seq", ++control_seq_}, {"hook", hook}, {"args", args}}.dump(),
                  "application/json");
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

    int joined = 0;
    std::optional<MeetingEnd> end;
    std::string cause;
    std::vector<bool> asked;
    std::vector<std::string> reconnecting;
    size_t others = 0;
    gateway::MeetingLinkEvents ev;
    ev.on_joined = [&] { ++joined; };
    ev.on_ended = [&](MeetingEnd e, const std::string& c) {
        end = e;
        cause = c;
    };
    ev.on_password_required = [&](bool retry) {
        asked.push_back(retry);
        // The caller types a wrong password first, then the right one.
        link_->submit_password(asked.size() == 1 ? "1111" : "4321");
    };
    ev.on_reconnecting = [&](const std::string& r) { reconnecting.push_back(r); };
    ev.on_participants = [&](size_t n) { others = n; };
    link_ = std::make_unique<gateway::MeetingLink>(
        "j1", **adapter, services::JoinRequest{"Room1", "Caller (SIP)", {}}, *pool_, *loop_,
        std::move(ev));
    link_->set_join_settings(
        {.join_timeout_s = 90, .wait_timeout_s = 300, .password = "", .language = "en"});
    link_->start();

    ASSERT_TRUE(wait_for([&] { return joined > 0 || end; })) << "neither joined nor ended";
    ASSERT_FALSE(end) << cause;
    EXPECT_EQ(asked, std::vector<bool>({false, true}));
    // The meeting's media reaches the gateway (its participant's video and tone, drawn and
    // mixed in the meeting frame), and the meeting counts us and one other.
    EXPECT_TRUE(wait_for([&] {
        return others == 1 && link_->bridge() != nullptr &&
               link_->bridge()->stats().video_frames_from_page >= 10 &&
               link_->bridge()->stats().audio_buffers_from_page >= 10;
    })) << "others="
        << others;

    control("breakoutMove", Json::array({"Breakout 1"}));
    ASSERT_TRUE(wait_for([&] { return joined >= 2 || end; }));
    EXPECT_FALSE(end) << cause;
    EXPECT_EQ(reconnecting, std::vector<std::string>({"breakout room move"}));

    control("end");
    ASSERT_TRUE(wait_for([&] { return end.has_value(); }));
    EXPECT_EQ(*end, MeetingEnd::Ended) << cause;
    EXPECT_NE(cause.find("the meeting was closed"), std::string::npos) << cause;
    // The page stays until the call's end destroys the link (TearDown checks the browser went).
}

}  // namespace
