// The Jitsi Meet adapter (src/services/jitsi_adapter.cpp + assets/services/jitsi.js) in real
// Chromium against the page fixture tests/fixtures/jitsi/master-6549d472/ (the deployment's
// external_api.js and the meeting app it frames, same-origin, served on 127.0.0.1): the host
// page, options, joins through lobby, "waiting for the host" and a password, room moves and
// recoverable errors that keep the call, and the ends that do not. Also the per-room token
// service (Adapter::prepare) against a local HTTP server.
#include "browser_fixture.hpp"
#include "core/http_fetch.hpp"
#include "http_server.hpp"
#include "services/adapter.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace {

using browser::Json;
using testsupport::read_file;

const std::string kFixtureDir =
    std::string(SIPMEDIAGW_SOURCE_DIR) + "/tests/fixtures/jitsi/master-6549d472";
constexpr const char* kJwt = "eyJhbGciOiJIUzI1NiJ9.eyJyb29tIjoiKiJ9.c2lnbmF0dXJl";

class JitsiAdapterTest : public browser_test::BrowserFixture {
protected:
    void SetUp() override {
        BrowserFixture::SetUp();
        // The meeting app takes camera and microphone at once, as upstream; Chromium's fake
        // devices stand in for the gateway's media here.
        extra_flags_ = {"--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"};
        http_.add("/external_api.js", read_file(kFixtureDir + "/external_api.js"),
                  "application/javascript");
        origin_ = "http://127.0.0.1:" + std::to_string(http_.port());
    }

    void TearDown() override {
        page_.reset();
        browser_.reset();
        BrowserFixture::TearDown();
    }

    // Serves the meeting app at /<path> with this room's behaviour (see meeting.html).
    void serve_room(const std::string& path, const Json& room) {
        std::string html = read_file(kFixtureDir + "/meeting.html");
        const auto at = html.find("<head>") + 6;
        html.insert(at, "<script>window.fixtureRoom = " + room.dump() + ";</script>");
        http_.add("/" + path, html);
    }

    // Opens the page the adapter names and calls join() with its options, without waiting.
    void start_join(core::ServiceConfig cfg, const std::string& room,
                    const std::map<std::string, std::string>& prepared = {}) {
        cfg.name = "jitsi";
        auto adapter = services::make_adapter(cfg);
        ASSERT_TRUE(adapter.ok()) << adapter.error().message;
        services::JoinRequest request{room, "Alice (SIP)", prepared};
        auto url = (*adapter)->join_url(request);
        ASSERT_TRUE(url.ok()) << url.error().message;
        browser_ = launch_ready();
        ASSERT_TRUE(browser_);
        std::optional<core::Status> granted;
        browser_->grant_permissions((*adapter)->permission_origin(),
                                    [&](core::Status st) { granted = std::move(st); });
        ASSERT_TRUE(run_until([&] { return granted.has_value(); }));
        ASSERT_TRUE(granted->ok()) << granted->error().message;
        browser::PageOptions options;
        options.scripts = {read_file(std::string(SIPMEDIAGW_ASSETS_DIR) + "/services/common.js"),
                           read_file(std::string(SIPMEDIAGW_ASSETS_DIR) + "/services/jitsi.js")};
        options.bindings = {"sipmediagwEvent"};
        page_ = open_page(*browser_, options);
        ASSERT_TRUE(page_);
        page_->on_binding([this](const std::string& name, const std::string& payload,
                                 const browser::FrameContext& /*from*/) {
            if (name == "sipmediagwEvent") events_.push_back(Json::parse(payload));
        });
        ASSERT_TRUE(navigate(*page_, *url).ok());
        auto started = evaluate(*page_, "window.__join = null; window.sipmediagwAdapter.join(" +
                                            (*adapter)->join_options(request) +
                                            ").then(r => { window.__join = {ok: true, r: r}; },"
                                            " e => { window.__join = {ok: false, message: "
                                            "e.message}; }); true");
        ASSERT_TRUE(started.ok()) << started.error().message;
    }

    core::ServiceConfig config(const std::string& path = {}) const {
        core::ServiceConfig c;
        c.base_url = origin_ + path;
        return c;
    }

    // The join() outcome once settled; null when it is still pending after `timeout`.
    Json join_result(std::chrono::seconds timeout = std::chrono::seconds(60)) {
        return poll_evaluate(
            *page_, "window.__join", [](const Json& v) { return !v.is_null(); }, timeout);
    }

    // Index of the first event of `type` at or after `from`, waiting for it; -1 if none came.
    int wait_event(const std::string& type, size_t from = 0) {
        int found = -1;
        run_until(
            [&] {
                for (size_t i = from; i < events_.size(); ++i)
                    if (events_[i].value("type", "") == type) {
                        found = static_cast<int>(i);
                        return true;
                    }
                return false;
            },
            std::chrono::seconds(60));
        return found;
    }

    [[nodiscard]] int count(const std::string& type) const {
        int n = 0;
        for (const auto& e : events_) n += e.value("type", "") == type ? 1 : 0;
        return n;
    }

    // Evaluates against the meeting frame's test hooks (same origin: reachable from the top).
    core::Result<Json> meeting(const std::string& expression) {
        return evaluate(*page_,
                        "document.querySelector('iframe').contentWindow.fixture." + expression);
    }

    browser_test::HttpServer http_;
    std::string origin_;
    std::unique_ptr<browser::Browser> browser_;
    std::unique_ptr<browser::Page> page_;
    std::vector<Json> events_;
};

TEST_F(JitsiAdapterTest, JoinsInASameOriginFrameWithTenantTokenAndUpstreamOptions) {
    serve_room("tenant/Room1", Json::object());
    auto cfg = config("/tenant");
    cfg.jwt = kJwt;
    start_join(cfg, "Room1");
    const Json r = join_result();
    ASSERT_TRUE(r.value("ok", false)) << r.dump();
    EXPECT_EQ(r["r"], Json({{"joined", true}}));
    ASSERT_GE(wait_event("joined"), 0);

    // The host page stayed the deployment's external_api.js (nothing navigated away) and the
    // meeting frame is same-origin at <base>/<tenant>/<room>.
    auto where = evaluate(*page_,
                          "[location.pathname, document.querySelector('iframe')"
                          ".contentWindow.location.origin, location.origin]");
    ASSERT_TRUE(where.ok());
    EXPECT_EQ((*where)[0], "/external_api.js");
    EXPECT_EQ((*where)[1], (*where)[2]);
    auto room = meeting("roomName");
    ASSERT_TRUE(room.ok());
    EXPECT_EQ(*room, "tenant/Room1");
    auto seen = meeting("config");
    ASSERT_TRUE(seen.ok());
    EXPECT_EQ((*seen)["prejoinConfig"], Json({{"enabled", false}}));
    EXPECT_FALSE(seen->contains("prejoinPageEnabled"));
    EXPECT_EQ((*seen)["lobby"]["autoKnock"], true);
    EXPECT_EQ((*seen)["autoKnockLobby"], true);
    auto jwt = meeting("jwt");
    ASSERT_TRUE(jwt.ok());
    EXPECT_EQ(*jwt, kJwt);
    auto name = meeting("displayName");
    ASSERT_TRUE(name.ok());
    EXPECT_EQ(*name, "Alice (SIP)");

    // Media goes to the meeting's bridge and the remote participant comes back.
    const Json stats = poll_evaluate(
        *page_, "document.querySelector('iframe').contentWindow.fixture.stats()",
        [](const Json& v) {
            return v.value("sentBytes", 0) > 0 && v.value("receivedFrames", 0) > 0;
        },
        std::chrono::seconds(60));
    EXPECT_GT(stats.value("sentBytes", 0), 0) << stats.dump();
    EXPECT_GT(stats.value("receivedFrames", 0), 0) << stats.dump();

    auto count_now = evaluate(*page_, "window.sipmediagwAdapter.participantCount()");
    ASSERT_TRUE(count_now.ok());
    EXPECT_EQ(*count_now, 2);
    const Json muted = poll_evaluate(
        *page_, "window.sipmediagwAdapter.action('mute')",
        [](const Json& v) { return v.is_object(); }, std::chrono::seconds(30));
    EXPECT_TRUE(muted.is_object()) << muted.dump();
    auto audio =
        poll_evaluate(*page_,
                      "document.querySelector('iframe').contentWindow.fixture.store().commands."
                      "includes('toggle-audio')",
                      [](const Json& v) { return v == true; });
    EXPECT_EQ(audio, true);
    EXPECT_EQ(count("ended"), 0);
}

TEST_F(JitsiAdapterTest, BreakoutMoveAndReloadKeepTheCallAndEndForAllEndsIt) {
    serve_room("Room2", Json::object());
    start_join(config(), "Room2");
    ASSERT_TRUE(join_result().value("ok", false));
    ASSERT_GE(wait_event("joined"), 0);

    size_t from = events_.size();
    ASSERT_TRUE(meeting("breakoutMove('Breakout 1')").ok());
    const int moving = wait_event("reconnecting", from);
    ASSERT_GE(moving, 0);
    EXPECT_EQ(events_[moving]["detail"]["reason"], "breakout room move");
    ASSERT_GT(wait_event("joined", moving), moving);

    from = events_.size();
    ASSERT_TRUE(meeting("reload()").ok());
    const int reloading = wait_event("reconnecting", from);
    ASSERT_GE(reloading, 0);
    EXPECT_EQ(events_[reloading]["detail"]["reason"], "left the room, rejoining");
    ASSERT_GT(wait_event("joined", reloading), reloading);
    EXPECT_EQ(count("ended"), 0);
    EXPECT_EQ(count("kicked"), 0);

    from = events_.size();
    ASSERT_TRUE(run_until([&] {
        auto phase = meeting("phase()");
        return phase.ok() && *phase == "joined";
    }));
    ASSERT_TRUE(meeting("end()").ok());
    const int ended = wait_event("ended", from);
    ASSERT_GE(ended, 0);
    EXPECT_EQ(events_[ended]["detail"]["reason"], "the meeting was closed");
}

TEST_F(JitsiAdapterTest, RecoverableErrorsReconnectAndTerminalOnesEnd) {
    serve_room("Room3", Json::object());
    start_join(config(), "Room3");
    ASSERT_TRUE(join_result().value("ok", false));
    ASSERT_GE(wait_event("joined"), 0);

    // ICE failed: Jitsi reloads and rejoins by itself.
    size_t from = events_.size();
    ASSERT_TRUE(meeting("fatal('conference.iceFailed', true)").ok());
    const int ice = wait_event("reconnecting", from);
    ASSERT_GE(ice, 0);
    EXPECT_EQ(events_[ice]["detail"]["reason"], "conference.iceFailed");
    ASSERT_GT(wait_event("joined", ice), ice);

    // Focus left, bridge unavailable, connection dropped: reconnecting, never an end; whether
    // Jitsi comes back is the gateway's to wait for.
    for (const char* name : {"conference.focusLeft", "conference.videobridgeNotAvailable",
                             "connection.droppedError"}) {
        from = events_.size();
        ASSERT_TRUE(meeting(std::string("error('") + name + "', true)").ok());
        const int at = wait_event("reconnecting", from);
        ASSERT_GE(at, 0) << name;
        EXPECT_EQ(events_[at]["detail"]["reason"], name);
    }
    // A non-fatal error is only reported.
    from = events_.size();
    ASSERT_TRUE(meeting("error('conference.someWarning', false)").ok());
    ASSERT_GE(wait_event("error", from), 0);
    EXPECT_EQ(count("ended"), 0);

    ASSERT_TRUE(meeting("error('conference.destroyed', false)").ok());
    const int ended = wait_event("ended", from);
    ASSERT_GE(ended, 0);
    EXPECT_NE(events_[ended]["detail"]["reason"].get<std::string>().find("conference.destroyed"),
              std::string::npos);
}

TEST_F(JitsiAdapterTest, LobbyKnocksWaitsAndJoinsWhenAdmitted) {
    serve_room("Room4", Json{{"lobby", true}});
    start_join(config(), "Room4");
    const int waiting = wait_event("waiting");
    ASSERT_GE(waiting, 0);
    EXPECT_EQ(events_[waiting]["detail"]["reason"], "lobby");
    auto knocked = meeting("knocked()");
    ASSERT_TRUE(knocked.ok());
    EXPECT_EQ(*knocked, true);
    auto pending = evaluate(*page_, "window.__join");
    ASSERT_TRUE(pending.ok());
    EXPECT_TRUE(pending->is_null()) << "the join must stay pending in the lobby";
    auto admitted = meeting("admit()");
    ASSERT_TRUE(admitted.ok());
    EXPECT_EQ(*admitted, true);
    const Json r = join_result();
    EXPECT_TRUE(r.value("ok", false)) << r.dump();
}

TEST_F(JitsiAdapterTest, WaitsForTheHostUnlessTheTokenMakesItTheHost) {
    serve_room("Room5", Json{{"needsHost", true}, {"hostJwt", kJwt}});
    start_join(config(), "Room5");
    const int waiting = wait_event("waiting");
    ASSERT_GE(waiting, 0);
    EXPECT_EQ(events_[waiting]["detail"]["reason"], "moderator");
    ASSERT_TRUE(meeting("hostArrives()").ok());
    EXPECT_TRUE(join_result().value("ok", false));
}

TEST_F(JitsiAdapterTest, TokenFromPrepareSkipsTheWaitForTheHost) {
    serve_room("Room6", Json{{"needsHost", true}, {"hostJwt", kJwt}});
    start_join(config(), "Room6", {{"jwt", kJwt}});
    EXPECT_TRUE(join_result().value("ok", false));
    EXPECT_EQ(count("waiting"), 0);
}

TEST_F(JitsiAdapterTest, PasswordPromptRetryAndTypedPassword) {
    serve_room("Room7", Json{{"password", "4321"}});
    start_join(config(), "Room7");
    const int first = wait_event("password_required");
    ASSERT_GE(first, 0);
    EXPECT_EQ(events_[first]["detail"]["retry"], false);
    ASSERT_TRUE(evaluate(*page_, "window.sipmediagwAdapter.submitPassword('1111')").ok());
    const int second = wait_event("password_required", first + 1);
    ASSERT_GT(second, first);
    EXPECT_EQ(events_[second]["detail"]["retry"], true);
    ASSERT_TRUE(evaluate(*page_, "window.sipmediagwAdapter.submitPassword('4321')").ok());
    EXPECT_TRUE(join_result().value("ok", false));
    auto tried = meeting("store().passwords");
    ASSERT_TRUE(tried.ok());
    EXPECT_EQ(*tried, Json({"1111", "4321"}));
}

TEST_F(JitsiAdapterTest, ConfiguredPasswordIsSentFirstThenTheCallerIsAsked) {
    serve_room("Room8", Json{{"password", "4321"}});
    auto cfg = config();
    cfg.password = "4321";
    start_join(cfg, "Room8");
    EXPECT_TRUE(join_result().value("ok", false));
    EXPECT_EQ(count("password_required"), 0);

    serve_room("Room9", Json{{"password", "4321"}});
    cfg.password = "0000";  // refused: the caller is asked, as a retry
    page_.reset();
    browser_.reset();
    events_.clear();
    start_join(cfg, "Room9");
    const int asked = wait_event("password_required");
    ASSERT_GE(asked, 0);
    EXPECT_EQ(events_[asked]["detail"]["retry"], true);
}

TEST_F(JitsiAdapterTest, KickOfAnotherIsNothingKickOfUsEndsWithTheCause) {
    serve_room("Room10", Json::object());
    start_join(config(), "Room10");
    ASSERT_TRUE(join_result().value("ok", false));
    ASSERT_TRUE(meeting("kick(false)").ok());
    ASSERT_TRUE(meeting("kick()").ok());
    const int kicked = wait_event("kicked");
    ASSERT_GE(kicked, 0);
    EXPECT_EQ(events_[kicked]["detail"]["reason"], "removed from the meeting by Moderator");
    // The videoConferenceLeft that follows the kick has reached the host page once the API's
    // count fell to 0.
    const Json alone = poll_evaluate(*page_, "window.sipmediagwAdapter.participantCount()",
                                     [](const Json& v) { return v == 0; });
    EXPECT_EQ(alone, 0);
    EXPECT_EQ(count("kicked"), 1);
    EXPECT_EQ(count("reconnecting"), 0);  // the leave that follows a kick is no room move
}

TEST_F(JitsiAdapterTest, OurHangupIsNotReportedAsAnEnd) {
    serve_room("Room11", Json::object());
    start_join(config(), "Room11");
    ASSERT_TRUE(join_result().value("ok", false));
    // leave() resolves once the meeting confirmed the hangup: by then the hangup's
    // videoConferenceLeft has reached the host page (the API's count fell to 0).
    const auto left = evaluate(*page_,
                               "window.sipmediagwAdapter.leave().then(r => ({r,"
                               " count: window.sipmediagwAdapter.participantCount()}))");
    ASSERT_TRUE(left.ok()) << left.error().message;
    EXPECT_EQ((*left)["r"], Json({{"left", true}, {"confirmed", true}}));
    EXPECT_EQ((*left)["count"], 0);
    auto phase =
        poll_evaluate(*page_, "document.querySelector('iframe').contentWindow.fixture.phase()",
                      [](const Json& v) { return v == "left"; });
    ASSERT_EQ(phase, "left");
    // The hangup's videoConferenceLeft has reached the host page once the API's count fell to
    // 0; readyToClose was sent right after it, and a round trip through the frame follows it.
    const Json alone = poll_evaluate(*page_, "window.sipmediagwAdapter.participantCount()",
                                     [](const Json& v) { return v == 0; });
    EXPECT_EQ(alone, 0);
    ASSERT_TRUE(evaluate(*page_,
                         "new Promise(r => { const f = document.querySelector('iframe')"
                         ".contentWindow; addEventListener('message', function h(e) {"
                         " if (e.data === 'smgw-flush') { removeEventListener('message',"
                         " h); r(true); } }); f.eval(\"parent.postMessage('smgw-flush',"
                         " '*')\"); })")
                    .ok());
    EXPECT_EQ(count("ended"), 0);
    EXPECT_EQ(count("reconnecting"), 0);
}

// A meeting app that never leaves (frozen, its server gone) does not hold leave() forever: it
// resolves unconfirmed, and the gateway discards the page.
TEST_F(JitsiAdapterTest, LeaveTheMeetingNeverConfirmsStillEnds) {
    serve_room("Room12", Json{{"deafToHangup", true}});
    start_join(config(), "Room12");
    ASSERT_TRUE(join_result().value("ok", false));
    const auto left = evaluate(*page_, "window.sipmediagwAdapter.leave()");
    ASSERT_TRUE(left.ok()) << left.error().message;
    EXPECT_EQ(*left, Json({{"left", true}, {"confirmed", false}}));
    EXPECT_EQ(count("ended"), 0);
}

// Adapter::prepare() against a token service on 127.0.0.1.
class JitsiTokenServiceTest : public browser_test::LoopFixture {
protected:
    core::Result<services::JoinRequest> prepare(const std::string& token_url,
                                                const std::string& room) {
        core::ServiceConfig cfg;
        cfg.name = "jitsi";
        cfg.base_url = "https://meet.example.org";
        cfg.token_url = token_url;
        auto adapter = services::make_adapter(cfg);
        EXPECT_TRUE(adapter.ok());
        core::HttpFetch http;
        std::optional<core::Result<services::JoinRequest>> out;
        (*adapter)->prepare({room, "Alice", {}}, http,
                            [&](core::Result<services::JoinRequest> r) { out = std::move(r); });
        if (!run_until([&] { return out.has_value(); }, std::chrono::seconds(60)))
            return core::fail("prepare() never answered");
        return std::move(*out);
    }
    browser_test::HttpServer http_;
};

TEST_F(JitsiTokenServiceTest, TokenPerRoomJsonOrPlainText) {
    http_.add("/token?room=Room%201", std::string("{\"token\": \"") + kJwt + "\"}",
              "application/json");
    http_.add("/plain/Room2", std::string(kJwt) + "\n", "text/plain");
    auto r = prepare(http_.url("127.0.0.1", "/token?room={room}"), "Room 1");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->prepared.at("jwt"), kJwt);
    r = prepare(http_.url("127.0.0.1", "/plain/{room}"), "Room2");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->prepared.at("jwt"), kJwt);
}

TEST_F(JitsiTokenServiceTest, RefusalOrNoServiceFailsTheJoinWithTheCause) {
    http_.add("/html", "<html>login</html>");
    auto r = prepare(http_.url("127.0.0.1", "/token?room={room}"), "Unknown");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "no token for room \"Unknown\": token service answered HTTP 404");
    r = prepare(http_.url("127.0.0.1", "/html"), "Room");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("is not a token"), std::string::npos) << r.error().message;

    // Nothing listens on a port the kernel just gave us and we closed.
    std::string closed_url;
    {
        browser_test::HttpServer gone;
        closed_url = gone.url("127.0.0.1", "/token");
    }
    r = prepare(closed_url, "Room");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("token service unreachable"), std::string::npos)
        << r.error().message;
}

}  // namespace
