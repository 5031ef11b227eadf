// The BigBlueButton adapter (assets/services/bigbluebutton.js, src/services/
// bigbluebutton_adapter.cpp) in real Chromium against the page fixtures of
// tests/fixtures/bigbluebutton/ (BBB 2.7 and 3.0 clients, Greenlight v3), and its prepare()
// step against a loopback API stand-in that checks checksums like bbb-web.
#include "bigbluebutton_fake.hpp"
#include "browser_fixture.hpp"
#include "http_server.hpp"
#include "services/adapter.hpp"
#include "support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace {

using browser::Json;
using browser_test::BrowserFixture;
using browser_test::FakeBigBlueButton;
using browser_test::HttpServer;
using testsupport::read_file;

const std::string kFixtures = std::string(SIPMEDIAGW_SOURCE_DIR) + "/tests/fixtures/bigbluebutton";

struct Event {
    std::string type;
    Json detail;
};

class BigBlueButtonAdapterTest : public BrowserFixture {
protected:
    void SetUp() override {
        BrowserFixture::SetUp();
        http_.add("/fixture/bigbluebutton/client-core.js", read_file(kFixtures + "/client-core.js"),
                  "application/javascript");
        http_.add("/rooms/abc-def-ghi/join", read_file(kFixtures + "/greenlight-v3/join.html"));
        http_.add("/logout", "<!doctype html><p>logged out</p>");
    }

    void TearDown() override {
        // The fixture checks that no browser is left: stop ours first.
        page_.reset();
        browser_.reset();
        BrowserFixture::TearDown();
    }

    void serve_client(const std::string& version) {
        http_.add("/html5client/join", read_file(kFixtures + "/" + version + "/client.html"));
    }

    [[nodiscard]] std::string origin() const {
        return "http://127.0.0.1:" + std::to_string(http_.port());
    }

    services::JoinRequest request() const { return {"abc-def-ghi", "Alice (SIP)", {}}; }

    std::unique_ptr<services::Adapter> adapter(const std::string& base_url,
                                               const std::string& password = "") {
        core::ServiceConfig c;
        c.name = "bigbluebutton";
        c.base_url = base_url;
        c.secret = "s3cr3t";
        c.password = password;
        auto a = services::make_adapter(c);
        EXPECT_TRUE(a.ok());
        return a.ok() ? std::move(*a) : nullptr;
    }

    // A browser and page with the adapter scripts, collecting sipmediagwEvent events.
    void open() {
        browser_ = launch_ready();
        ASSERT_TRUE(browser_);
        std::optional<core::Status> granted;
        browser_->grant_permissions(origin(), [&](core::Status st) { granted = std::move(st); });
        ASSERT_TRUE(run_until([&] { return granted.has_value(); }));
        browser::PageOptions options;
        options.scripts = {
            read_file(std::string(SIPMEDIAGW_ASSETS_DIR) + "/services/common.js"),
            read_file(std::string(SIPMEDIAGW_ASSETS_DIR) + "/services/bigbluebutton.js")};
        options.bindings = {"sipmediagwEvent"};
        options.viewport_width = 1280;
        options.viewport_height = 720;
        page_ = open_page(*browser_, options);
        ASSERT_TRUE(page_);
        page_->on_binding([this](const std::string& name, const std::string& payload,
                                 const browser::FrameContext&) {
            if (name != "sipmediagwEvent") return;
            const Json msg = Json::parse(payload, nullptr, false);
            if (msg.is_object())
                events_.push_back({msg.value("type", ""), msg.value("detail", Json())});
        });
    }

    // Starts join(options) without waiting; its outcome arrives as a "__join" event (sent
    // through the binding, so it survives the navigation that follows a redirect).
    void start_join(const std::string& options) {
        auto r = evaluate(*page_, "window.sipmediagwAdapter.join(" + options +
                                      ").then(function (r) { sipmediagwEvent(JSON.stringify({type: "
                                      "'__join', detail: r})); }, function (e) { "
                                      "sipmediagwEvent(JSON.stringify({type: '__join', detail: "
                                      "{error: e.message}})); }), 0");
        ASSERT_TRUE(r.ok()) << r.error().message;
    }

    // Waits for the next event of `type` after the first `from` events; nullopt on timeout.
    std::optional<Event> wait_event(const std::string& type, size_t from = 0,
                                    std::chrono::seconds timeout = std::chrono::seconds(45)) {
        std::optional<Event> found;
        run_until(
            [&] {
                for (size_t i = from; i < events_.size(); ++i)
                    if (events_[i].type == type) {
                        found = events_[i];
                        return true;
                    }
                return false;
            },
            timeout);
        return found;
    }

    bool has_event(const std::string& type) const {
        for (const auto& e : events_)
            if (e.type == type) return true;
        return false;
    }

    // Waits for the document to be at `path` with the adapter script loaded.
    bool wait_path(const std::string& path) {
        const Json v = poll_evaluate(
            *page_,
            "location.pathname + (window.sipmediagwAdapter && document.readyState === "
            "'complete' ? '!' : '')",
            [&](const Json& j) { return j.is_string() && j.get<std::string>() == path + "!"; },
            std::chrono::seconds(45));
        return v.is_string() && v.get<std::string>() == path + "!";
    }

    Json eval(const std::string& expression) {
        auto r = evaluate(*page_, expression);
        EXPECT_TRUE(r.ok()) << expression << ": " << (r.ok() ? "" : r.error().message);
        return r.ok() ? *r : Json();
    }

    // action(name) → its resolved state (or {"error": message}), sent through the binding:
    // leave navigates away right after.
    Json action(const std::string& name) {
        const size_t seen = events_.size();
        eval("window.sipmediagwAdapter.action('" + name +
             "').then(function (r) { sipmediagwEvent(JSON.stringify({type: '__act', detail: r})); "
             "}, function (e) { sipmediagwEvent(JSON.stringify({type: '__act', detail: {error: "
             "e.message}})); }), 0");
        auto done = wait_event("__act", seen);
        return done ? done->detail : Json();
    }

    HttpServer http_;
    std::unique_ptr<browser::Browser> browser_;
    std::unique_ptr<browser::Page> page_;
    std::vector<Event> events_;
};

// API join on 3.0: the adapter's signed URL is accepted, the userdata skip the audio check and
// the session details, and the camera BBB auto-shares is not cancelled by the adapter.
TEST_F(BigBlueButtonAdapterTest, ApiJoinOn30KeepsTheAutoSharedCamera) {
    serve_client("3.0");
    FakeBigBlueButton bbb(http_, "s3cr3t", {"abc-def-ghi"});
    auto a = adapter(origin() + "/bigbluebutton/api");
    auto url = a->join_url(request());
    ASSERT_TRUE(url.ok()) << url.error().message;
    open();
    ASSERT_TRUE(page_);
    ASSERT_TRUE(navigate(*page_, *url).ok());
    ASSERT_TRUE(wait_path("/html5client/join")) << "the fake API refused the join URL";
    start_join(a->join_options(request()));
    auto result = wait_event("__join");
    ASSERT_TRUE(result);
    EXPECT_EQ(result->detail, (Json{{"joined", true}})) << result->detail.dump();
    EXPECT_TRUE(has_event("joined"));
    EXPECT_EQ(eval("window.__fixture.cameraCancelled"), 0);
    EXPECT_EQ(eval("!!document.querySelector('[data-test=leaveVideo]')"), true);
    EXPECT_EQ(eval("!!document.querySelector('[data-test=sessionDetailsModal]')"), false);
    EXPECT_EQ(eval("window.__fixture.listenOnly"), false);
    // The participants panel (userdata show_participants_on_login): the caller and two others.
    EXPECT_EQ(eval("window.sipmediagwAdapter.participantCount()"), 3);
    EXPECT_NE(bbb.last_query.find("fullName=Alice+%28SIP%29"), std::string::npos);

    EXPECT_EQ(action("mute"), (Json{{"muted", true}}));
    EXPECT_EQ(action("mute"), (Json{{"muted", false}}));
    EXPECT_EQ(action("hand"), (Json{{"hand", true}}));
    EXPECT_EQ(eval("window.__fixture.hand"), true);
    EXPECT_EQ(action("hand"), (Json{{"hand", false}}));
    EXPECT_EQ(eval("window.__fixture.hand"), false);
    EXPECT_EQ(action("camera"), (Json{{"camera_off", true}}));
    EXPECT_EQ(action("camera"), (Json{{"camera_off", false}}));

    // userdata-bbb_direct_leave_button: leaveMeetingDropdown → directLogoutButton; leaving is
    // not an "ended" meeting.
    EXPECT_EQ(action("leave"), (Json{{"left", true}}));
    EXPECT_TRUE(wait_path("/logout"));
    EXPECT_FALSE(has_event("ended"));
}

// Greenlight v3 then the 2.7 client: name prefilled by the URL, access code typed, consent
// ticked, a French submit button, "meeting not started" reported as waiting, Greenlight's own
// auto-join followed, then the audio modal, the echo test and the camera preview in the client.
TEST_F(BigBlueButtonAdapterTest, GreenlightTwoStepJoinThen27Dialogs) {
    serve_client("2.7");
    auto a = adapter(origin(), "1234");
    auto url = a->join_url(request());
    ASSERT_TRUE(url.ok());
    open();
    ASSERT_TRUE(page_);
    ASSERT_TRUE(navigate(*page_, *url + "&code=1234&consent=1&started=0").ok());
    ASSERT_TRUE(wait_path("/rooms/abc-def-ghi/join"));
    const std::string options = a->join_options(request());
    start_join(options);
    auto waiting = wait_event("waiting");
    ASSERT_TRUE(waiting);
    EXPECT_EQ(waiting->detail, (Json{{"reason", "meeting_not_started"}}));
    EXPECT_FALSE(has_event("__join"));  // held while the meeting has not started
    eval("window.__fixture.startMeeting()");
    auto redirected = wait_event("__join");
    ASSERT_TRUE(redirected);
    EXPECT_EQ(redirected->detail, (Json{{"joined", false}, {"redirected", true}}));

    // The gateway runs join() again in the client document.
    ASSERT_TRUE(wait_path("/html5client/join"));
    EXPECT_EQ(eval("new URLSearchParams(location.search).get('fullName')"), "Alice (SIP)");
    const size_t seen = events_.size();
    start_join(options);
    auto joined = wait_event("__join", seen);
    ASSERT_TRUE(joined);
    EXPECT_EQ(joined->detail, (Json{{"joined", true}})) << joined->detail.dump();
    EXPECT_EQ(eval("window.__fixture.listenOnly"), false);
    EXPECT_EQ(eval("!!document.querySelector('[data-test=muteMicButton]')"), true);
    EXPECT_EQ(eval("!!document.querySelector('[data-test=leaveVideo]')"), true);
    EXPECT_EQ(eval("window.__fixture.quality"), "medium");
    // No participants panel without the userdata: unknown, not "alone".
    EXPECT_TRUE(eval("window.sipmediagwAdapter.participantCount()").is_null());

    // Without the direct leave button: optionsButton → optionsLogoutButton.
    EXPECT_EQ(action("leave"), (Json{{"left", true}}));
    EXPECT_TRUE(wait_path("/logout"));
    EXPECT_FALSE(has_event("ended"));
}

// A Greenlight access code nobody configured is asked for (password_required), a wrong one is
// reported as a retry, the right one gets through.
TEST_F(BigBlueButtonAdapterTest, GreenlightAccessCodeFromTheCaller) {
    serve_client("3.0");
    auto a = adapter(origin());
    auto url = a->join_url(request());
    open();
    ASSERT_TRUE(page_);
    ASSERT_TRUE(navigate(*page_, *url + "&code=1234").ok());
    ASSERT_TRUE(wait_path("/rooms/abc-def-ghi/join"));
    start_join(a->join_options(request()));
    auto asked = wait_event("password_required");
    ASSERT_TRUE(asked);
    EXPECT_EQ(asked->detail, (Json{{"retry", false}}));
    EXPECT_EQ(eval("window.__fixture.submits"), 0);
    const size_t seen = events_.size();
    eval("window.sipmediagwAdapter.submitPassword('9999'), 0");
    auto retry = wait_event("password_required", seen);
    ASSERT_TRUE(retry);
    EXPECT_EQ(retry->detail, (Json{{"retry", true}}));
    eval("window.sipmediagwAdapter.submitPassword('1234'), 0");
    auto redirected = wait_event("__join");
    ASSERT_TRUE(redirected);
    EXPECT_EQ(redirected->detail, (Json{{"joined", false}, {"redirected", true}}));
    EXPECT_TRUE(wait_path("/html5client/join"));
}

// 2.x's remote echo test (echoYesBtn) and pre-flight are answered too.
TEST_F(BigBlueButtonAdapterTest, RemoteEchoTestAndPreFlight) {
    serve_client("2.7");
    open();
    ASSERT_TRUE(page_);
    ASSERT_TRUE(navigate(*page_, origin() + "/html5client/join?sessionToken=t&echo=remote").ok());
    ASSERT_TRUE(wait_path("/html5client/join"));
    start_join(R"({"displayName":"A","password":"","greenlight":false,"autoShareWebcam":false})");
    auto joined = wait_event("__join");
    ASSERT_TRUE(joined);
    EXPECT_EQ(joined->detail, (Json{{"joined", true}})) << joined->detail.dump();

    serve_client("3.0");
    ASSERT_TRUE(navigate(*page_, origin() + "/html5client/join?sessionToken=t&preflight=1").ok());
    ASSERT_TRUE(wait_path("/html5client/join"));
    const size_t seen = events_.size();
    start_join(R"({"displayName":"A","password":"","greenlight":false,"autoShareWebcam":false})");
    joined = wait_event("__join", seen);
    ASSERT_TRUE(joined);
    EXPECT_EQ(joined->detail, (Json{{"joined", true}})) << joined->detail.dump();
    EXPECT_EQ(eval("window.__fixture.listenOnly"), false);
    // 3.0's session-details modal (not disabled by userdata here) was closed.
    EXPECT_EQ(eval("!!document.querySelector('[data-test=sessionDetailsModal]')"), false);
}

// Every way BBB ends a caller's meeting becomes ended/kicked with a cause: the meeting-ended
// modal, 2.7's error screen for a removed user, 3.0's removal modal, and 3.0 leaving the
// client without a modal (skipMeetingEnded).
TEST_F(BigBlueButtonAdapterTest, EndedKickedAndRedirectedAway) {
    struct Case {
        std::string version, query, trigger, type, cause;
    };
    const std::vector<Case> cases = {
        {"3.0", "", "endMeeting", "ended", "meeting has ended"},
        {"2.7", "", "kick", "kicked", "removed"},
        {"3.0", "", "kick", "kicked", "removed"},
        {"3.0", "&skipMeetingEnded=1", "endMeeting", "ended", "left the meeting"},
    };
    open();
    ASSERT_TRUE(page_);
    const std::string joined_userdata =
        "&userdata-bbb_skip_check_audio=true&userdata-bbb_auto_join_audio=true"
        "&userdata-bbb_listen_only_mode=false&userdata-bbb_show_session_details_on_join=false";
    for (const auto& c : cases) {
        SCOPED_TRACE(c.version + " " + c.trigger + c.query);
        serve_client(c.version);
        ASSERT_TRUE(navigate(*page_, origin() + "/html5client/join?sessionToken=t" +
                                         joined_userdata + c.query)
                        .ok());
        ASSERT_TRUE(wait_path("/html5client/join"));
        const size_t seen = events_.size();
        start_join(
            R"({"displayName":"A","password":"","greenlight":false,"autoShareWebcam":false})");
        auto joined = wait_event("__join", seen);
        ASSERT_TRUE(joined);
        ASSERT_EQ(joined->detail, (Json{{"joined", true}})) << joined->detail.dump();
        eval("window.__fixture." + c.trigger + "()");
        auto end = wait_event(c.type, seen);
        ASSERT_TRUE(end) << "no " << c.type;
        const std::string reason = end->detail.value("reason", "");
        EXPECT_NE(reason.find(c.cause), std::string::npos) << reason;
    }
}

// prepare() asks getMeetingInfo, signed with the configured algorithm, before any page opens.
class BigBlueButtonPrepareTest : public browser_test::LoopFixture {
protected:
    core::Result<services::JoinRequest> prepare(const std::string& base_url,
                                                const std::string& secret,
                                                const std::string& checksum,
                                                const std::string& room) {
        core::ServiceConfig c;
        c.name = "bigbluebutton";
        c.base_url = base_url;
        c.secret = secret;
        c.checksum = checksum;
        auto a = services::make_adapter(c);
        EXPECT_TRUE(a.ok());
        core::HttpFetch http;
        std::optional<core::Result<services::JoinRequest>> out;
        (*a)->prepare({room, "Alice", {}}, http,
                      [&](core::Result<services::JoinRequest> r) { out = std::move(r); });
        EXPECT_TRUE(run_until([&] { return out.has_value(); }));
        if (!out) return core::fail("prepare() never finished");
        return std::move(*out);
    }

    HttpServer http_;
};

TEST_F(BigBlueButtonPrepareTest, MeetingMustExistAndTheChecksumMustMatch) {
    FakeBigBlueButton bbb(http_, "s3cr3t", {"weekly"});
    const std::string api =
        "http://127.0.0.1:" + std::to_string(http_.port()) + "/bigbluebutton/api";
    for (const char* algorithm : {"sha1", "sha256", "sha384", "sha512"}) {
        SCOPED_TRACE(algorithm);
        auto ok = prepare(api, "s3cr3t", algorithm, "weekly");
        ASSERT_TRUE(ok.ok()) << ok.error().message;
        EXPECT_EQ(ok->prepared.at("internal_meeting_id"), "int-weekly");
    }
    auto missing = prepare(api, "s3cr3t", "sha256", "nosuch");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message,
              "BigBlueButton meeting nosuch does not exist (not created yet)");
    auto wrong_secret = prepare(api, "other", "sha256", "weekly");
    ASSERT_FALSE(wrong_secret.ok());
    EXPECT_NE(wrong_secret.error().message.find("refused the checksum"), std::string::npos);
    auto not_api = prepare("http://127.0.0.1:" + std::to_string(http_.port()) + "/bigbluebutton",
                           "s3cr3t", "sha256", "weekly");
    EXPECT_TRUE(not_api.ok()) << "a base without /api still reaches the API";
}

TEST_F(BigBlueButtonPrepareTest, UnreachableApiIsAClearCause) {
    // A port nobody listens on: take one from a server and stop it.
    uint16_t port = 0;
    {
        HttpServer gone;
        port = gone.port();
    }
    auto r = prepare("http://127.0.0.1:" + std::to_string(port) + "/bigbluebutton/api", "s",
                     "sha256", "weekly");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("did not answer"), std::string::npos) << r.error().message;
}

}  // namespace
