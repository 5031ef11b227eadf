// gateway::MeetingLink against real Chromium and tiny local meeting pages that play the adapter
// contract (docs/services.md): join() answers, events, frames. Each page defines its own
// window.sipmediagwAdapter after the injected one, so the gateway's side is what is tested: the
// join deadline and wait deadline, multi-page joins across origins, the media link in the frame
// that asked for media, and which frames may raise events.
#include "meeting_link_fixture.hpp"
#include "page_adapter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace {

using browser::Json;
using browser_test::PageAdapter;
using browser_test::test_join_settings;
using gateway::MeetingEnd;

// The adapter every test page starts with; `join` is the body of its join(o) (async).
std::string meeting_page(const std::string& join, const std::string& extra = {}) {
    return std::string("<!doctype html><html><body><script>") + browser_test::kPageMediaScript +
           R"HTML(
const emit = (type, detail) => window.sipmediagwKit.emit(type, detail);
window.sipmediagwAdapter = {
  join: async (o) => { )HTML" +
           join + R"HTML( },
  leave: async () => true,
  action: async () => ({}),
  // The gateway's media reached the page: one other participant, else none.
  participantCount: () => window.__frames >= 10 ? 2 : 1,
  submitPassword: async (p) => { window.__password = p; if (window.__onPassword) window.__onPassword(p); return true; },
};
)HTML" + extra +
           "</script></body></html>";
}

class MeetingLinkTest : public browser_test::MeetingLinkFixture {
protected:
    // Starts the link on the page served at `path` on 127.0.0.1, whose join() gets
    // join_options_; every test page here joins one room as the same caller.
    void start_page(const std::string& path,
                    gateway::MeetingJoinSettings settings = test_join_settings(),
                    std::function<void(bool)> on_password = {},
                    std::optional<gateway::JoiningSlate> slate = std::nullopt) {
        adapter_.emplace(http_.url("127.0.0.1", path),
                         browser_test::page_origin(http_, "127.0.0.1"), join_options_);
        start(*adapter_, services::JoinRequest{"room", "Caller (SIP)", {}}, std::move(settings),
              std::move(on_password), std::move(slate));
    }

    // The settings most tests join with, and `grace_s` to reconnect.
    static gateway::MeetingJoinSettings with_reconnect_grace(uint32_t grace_s) {
        auto s = test_join_settings();
        s.reconnect_grace_s = grace_s;
        return s;
    }

    // The link joined `times` times, or the call ended.
    bool joined_or_ended(int times = 1) {
        return wait_for([&] { return seen_.joined >= times || seen_.end; });
    }
    bool ended() {
        return wait_for([&] { return seen_.end.has_value(); });
    }
    // The link gave its browser back.
    bool browser_freed() {
        return wait_for([&] { return link_->browser_pid() == 0; });
    }

    Json join_options_ = Json::object();
    std::optional<PageAdapter> adapter_;
};

// Greenlight → BigBlueButton client: join() in the first page answers "redirected" and the page
// moves to another origin; join() runs again there, with the same options, and only that
// {joined:true} counts. The second origin was granted media permissions too (without them
// Chromium offers no 127.0.0.1 candidate and no media flows).
TEST_F(MeetingLinkTest, RedirectedJoinRunsAgainInTheNextOriginWhichGetsMedia) {
    const std::string next = http_.url("localhost", "/client.html");
    http_.add("/greenlight.html",
              meeting_page("setTimeout(() => { location.href = " + Json(next).dump() +
                           "; }, 200); return {joined: false, redirected: true};"));
    http_.add("/client.html",
              meeting_page("if (o.password !== 'pw' || o.language !== 'fr' || "
                           "o.displayName !== 'Caller (SIP)') throw new Error('options ' + "
                           "JSON.stringify(o)); await media(); return {joined: true};"));
    start_page("/greenlight.html",
               {.join_timeout_s = 60, .wait_timeout_s = 300, .password = "pw", .language = "fr"});
    ASSERT_TRUE(joined_or_ended()) << "neither joined nor ended";
    ASSERT_FALSE(seen_.end) << seen_.cause;
    EXPECT_EQ(seen_.joined, 1);
    // Both ways: the page decodes the gateway's video, the gateway receives the page's.
    EXPECT_TRUE(wait_for([&] {
        return seen_.others == 1 && link_->bridge() != nullptr &&
               link_->bridge()->stats().video_frames_from_page >= 10;
    })) << "others="
        << seen_.others
        << " from page=" << (link_->bridge() ? link_->bridge()->stats().video_frames_from_page : 0);
    EXPECT_FALSE(seen_.end) << seen_.cause;
    EXPECT_EQ(seen_.joined, 1);
}

// The joining slate (issue 13): once the link is up and until join() answered, what the page
// sends the caller is the slate, not the meeting; the meeting's picture replaces it after the
// join. The page's join() answers only once it has seen the slate on its link's sender, and
// records the video track sent before and after.
TEST_F(MeetingLinkTest, JoiningSlateIsSentUntilTheJoinThenTheMeeting) {
    http_.add("/slate.html",
              meeting_page("await media(); await kit.waitFor(() => window.__smgwBridge."
                           "slateShown(), 30000, 'the slate'); window.__duringJoin = "
                           "window.__smgwBridge.slateShown(); return {joined: true};",
                           "const kit = window.sipmediagwKit;"));
    start_page("/slate.html", test_join_settings(), {},
               gateway::JoiningSlate{"Joining the meeting\nPlease wait", ""});
    ASSERT_TRUE(joined_or_ended()) << "neither joined nor ended";
    ASSERT_FALSE(seen_.end) << seen_.cause;
    const Json during =
        poll_link("window.__duringJoin", [](const Json& v) { return v.is_boolean(); });
    EXPECT_EQ(during, Json(true));
    // After the join the slate gives way to the meeting (the compositor's track).
    const Json after = poll_link("window.__smgwBridge.slateShown()",
                                 [](const Json& v) { return v == Json(false); });
    EXPECT_EQ(after, Json(false));
    EXPECT_FALSE(seen_.end) << seen_.cause;
}

// A join() that never settles ends at join_timeout_s, and the browser goes at once.
TEST_F(MeetingLinkTest, PendingJoinEndsAtTheJoinDeadlineAndFreesTheBrowser) {
    http_.add("/m.html", meeting_page("return new Promise(() => {});"));
    start_page("/m.html",
               {.join_timeout_s = 3, .wait_timeout_s = 300, .password = "", .language = "en"});
    ASSERT_TRUE(ended());
    EXPECT_EQ(*seen_.end, MeetingEnd::JoinTimedOut) << seen_.cause;
    EXPECT_NE(seen_.cause.find("join_timeout_s=3"), std::string::npos) << seen_.cause;
    EXPECT_EQ(seen_.joined, 0);
    EXPECT_TRUE(browser_freed());
}

// A rejected join() is a failed join with the adapter's reason.
TEST_F(MeetingLinkTest, RejectedJoinFailsWithTheAdaptersReason) {
    http_.add("/m.html", meeting_page("throw new Error('room is locked');"));
    start_page("/m.html");
    ASSERT_TRUE(ended());
    EXPECT_EQ(*seen_.end, MeetingEnd::JoinFailed) << seen_.cause;
    EXPECT_NE(seen_.cause.find("room is locked"), std::string::npos) << seen_.cause;
    EXPECT_TRUE(browser_freed());
}

// A first join that fails is tried once more in a fresh browser (issue 11): the first load of
// the meeting page refuses the join, the second admits it and the media flows.
TEST_F(MeetingLinkTest, FailedFirstJoinIsRetriedOnceInAFreshBrowser) {
    std::atomic<int> loads{0};
    const std::string refuse = meeting_page("throw new Error('service hiccup');");
    const std::string admit = meeting_page("await media(); return {joined: true};");
    http_.handle(
        "/m.html", [&](const std::string&) { return ++loads == 1 ? refuse : admit; }, "text/html");
    start_page("/m.html");
    std::set<std::string> browsers;
    ASSERT_TRUE(wait_for([&] {
        if (!link_->browser_lease().empty()) browsers.insert(link_->browser_lease());
        return seen_.joined > 0 || seen_.end;
    })) << "neither joined nor ended";
    ASSERT_FALSE(seen_.end) << seen_.cause;
    EXPECT_EQ(seen_.joined, 1);
    EXPECT_EQ(loads.load(), 2);
    EXPECT_EQ(browsers.size(), 2U) << "the retry did not get a fresh browser (or context)";
    EXPECT_TRUE(wait_for([&] {
        return link_->bridge() != nullptr && link_->bridge()->stats().video_frames_from_page >= 10;
    })) << "no media after the retried join";
}

// Only once: a join that fails again ends the call as a failed join, with the second cause.
TEST_F(MeetingLinkTest, JoinThatFailsTwiceEndsAfterOneRetry) {
    std::atomic<int> loads{0};
    http_.handle(
        "/m.html",
        [&](const std::string&) {
            return meeting_page("throw new Error('refusal " + std::to_string(++loads) + "');");
        },
        "text/html");
    start_page("/m.html");
    ASSERT_TRUE(ended());
    EXPECT_EQ(*seen_.end, MeetingEnd::JoinFailed) << seen_.cause;
    EXPECT_NE(seen_.cause.find("refusal 2"), std::string::npos) << seen_.cause;
    EXPECT_EQ(loads.load(), 2);
    EXPECT_TRUE(browser_freed());
}

// "waiting" makes the deadline wait_timeout_s: a lobby that admits us after join_timeout_s is a
// join, not a timeout. The page waits three join deadlines (its own clock) before admitting.
TEST_F(MeetingLinkTest, WaitingExtendsTheDeadlineBeyondTheJoinTimeout) {
    http_.add("/m.html", meeting_page("emit('waiting', {reason: 'lobby'}); "
                                      "await new Promise((r) => setTimeout(r, o.holdMs)); "
                                      "return {joined: true};"));
    // The join timeout also covers loading the page (seconds on a loaded host) before it says
    // it waits; the hold outlasts it by 3 s.
    join_options_ = Json{{"holdMs", 11000}};
    start_page("/m.html",
               {.join_timeout_s = 8, .wait_timeout_s = 600, .password = "", .language = "en"});
    ASSERT_TRUE(joined_or_ended());
    EXPECT_FALSE(seen_.end) << seen_.cause;
    EXPECT_EQ(seen_.joined, 1);
    ASSERT_EQ(seen_.waiting.size(), 1U);
    EXPECT_EQ(seen_.waiting[0], "lobby");
}

// Held longer than wait_timeout_s: WaitTimedOut, browser freed.
TEST_F(MeetingLinkTest, WaitingLongerThanTheWaitTimeoutEndsTheCall) {
    http_.add("/m.html", meeting_page("emit('waiting', {reason: 'moderator'}); "
                                      "return new Promise(() => {});"));
    start_page("/m.html",
               {.join_timeout_s = 60, .wait_timeout_s = 3, .password = "", .language = "en"});
    ASSERT_TRUE(ended());
    EXPECT_EQ(*seen_.end, MeetingEnd::WaitTimedOut) << seen_.cause;
    EXPECT_NE(seen_.cause.find("moderator"), std::string::npos) << seen_.cause;
    EXPECT_TRUE(browser_freed());
}

// password_required: the call is asked, the password goes to submitPassword(), the join ends.
TEST_F(MeetingLinkTest, PasswordRequiredIsAskedAndTheSubmittedPasswordReachesThePage) {
    http_.add("/m.html", meeting_page("emit('password_required', {retry: false}); "
                                      "const p = await new Promise((r) => { window.__onPassword = "
                                      "r; }); if (p !== '4321') throw new Error('got ' + p); "
                                      "return {joined: true};"));
    start_page("/m.html", test_join_settings(), [this](bool) { link_->submit_password("4321"); });
    ASSERT_TRUE(joined_or_ended());
    EXPECT_FALSE(seen_.end) << seen_.cause;
    ASSERT_EQ(seen_.password.size(), 1U);
    EXPECT_FALSE(seen_.password[0]);
}

// A room move: "reconnecting" then "joined" keeps the call (on_joined again); "ended" then ends
// it with the page's reason.
TEST_F(MeetingLinkTest, ReconnectingThenJoinedKeepsTheCallAndEndedEndsIt) {
    http_.add("/m.html",
              meeting_page("setTimeout(() => { emit('reconnecting', {reason: 'breakout'}); "
                           "setTimeout(() => { emit('joined', {}); setTimeout(() => "
                           "emit('ended', {reason: 'meeting over'}), 500); }, 500); }, 500); "
                           "return {joined: true};"));
    start_page("/m.html");
    ASSERT_TRUE(ended());
    EXPECT_EQ(*seen_.end, MeetingEnd::Ended) << seen_.cause;
    EXPECT_NE(seen_.cause.find("meeting over"), std::string::npos) << seen_.cause;
    EXPECT_EQ(seen_.joined, 2);
    ASSERT_EQ(seen_.reconnecting.size(), 1U);
    EXPECT_EQ(seen_.reconnecting[0], "breakout");
}

// An iframe that is neither the top frame nor the media link's frame cannot end the call: its
// "ended" is dropped, and the top frame's "kicked", sent after it, is what ends the call.
TEST_F(MeetingLinkTest, EventsFromAnotherFrameAreDropped) {
    http_.add("/widget.html",
              "<!doctype html><script>window.sipmediagwEvent(JSON.stringify({type: 'ended', "
              "detail: {reason: 'from the widget'}})); parent.postMessage('sent', '*');</script>");
    http_.add("/m.html",
              meeting_page("const f = document.createElement('iframe'); f.src = '/widget.html'; "
                           "document.body.appendChild(f); return {joined: true};",
                           "addEventListener('message', () => emit('kicked', {reason: 'by the "
                           "top frame'}));"));
    start_page("/m.html");
    ASSERT_TRUE(ended());
    EXPECT_EQ(*seen_.end, MeetingEnd::Kicked) << seen_.cause;
    EXPECT_NE(seen_.cause.find("by the top frame"), std::string::npos) << seen_.cause;
}

// The meeting's document reloads (Jitsi does after ICE failure): the old link's frame is gone,
// the new document's bridge says hello and gets a new link, and media flows again; the call
// stays joined.
TEST_F(MeetingLinkTest, ReloadedMeetingFrameGetsANewLink) {
    http_.add("/m.html",
              meeting_page("await media(); sessionStorage.setItem('reloaded', '1'); "
                           "setTimeout(() => location.reload(), 500); return {joined: true};",
                           "window.__second = sessionStorage.getItem('reloaded') === '1'; "
                           "if (window.__second) media(); "
                           "const count = window.sipmediagwAdapter.participantCount; "
                           "window.sipmediagwAdapter.participantCount = () => "
                           "window.__second ? count() : 1;"));
    start_page("/m.html");
    // others == 1 only from the reloaded document, once it decoded the gateway's video.
    EXPECT_TRUE(wait_for([&] {
        return seen_.end.has_value() || (seen_.others == 1 && link_->bridge() != nullptr &&
                                         link_->bridge()->stats().video_frames_from_page >= 10);
    })) << "others="
        << seen_.others;
    EXPECT_FALSE(seen_.end) << seen_.cause;
    EXPECT_EQ(seen_.joined, 1);
}

// A content line added by re-INVITE after the link was made (its tracks are fixed then):
// relink() leaves the meeting and joins again on a link that has the content track, which the
// page's bridge then holds for getDisplayMedia; the call stays joined, and media flows again.
TEST_F(MeetingLinkTest, RelinkGivesThePageTheContentTrackAndStaysJoined) {
    http_.add("/m.html", meeting_page("await media(); return {joined: true};"));
    start_page("/m.html",
               {.join_timeout_s = 60, .wait_timeout_s = 300, .password = "", .language = "en"});
    ASSERT_TRUE(joined_or_ended());
    ASSERT_FALSE(seen_.end) << seen_.cause;
    EXPECT_FALSE(link_->has_content_track());
    const std::string first = link_->browser_lease();

    content_ = true;
    link_->relink("a content line came by re-INVITE");
    ASSERT_TRUE(wait_for([&] {
        return seen_.end || (seen_.joined > 1 && link_->bridge() != nullptr &&
                             link_->bridge()->stats().video_frames_from_page >= 10);
    }));
    EXPECT_FALSE(seen_.end) << seen_.cause;
    EXPECT_TRUE(link_->has_content_track());
    EXPECT_NE(link_->browser_lease(), first);
    // The page received the content track (the link's third m-line).
    auto has_content = std::make_shared<bool>(false);
    auto asking = std::make_shared<bool>(false);
    EXPECT_TRUE(wait_for([&] {
        if (link_->page() == nullptr || *asking) return *has_content;
        *asking = true;
        link_->page()->evaluate_in(link_->bridge_frame(), "__smgwBridge.hasContent()",
                                   [has_content, asking](const core::Result<Json>& r) {
                                       *asking = false;
                                       if (r && r->is_boolean()) *has_content = r->get<bool>();
                                   });
        return *has_content;
    }));
}

// A content line added by re-INVITE to a call in the meeting: the link gets the content track
// by renegotiating with the page, in the same browser and page, without leaving the meeting
// (one join); the page's main video, the camera the meeting has, goes on decoding through it,
// and the page holds a live content track fed by the gateway.
TEST_F(MeetingLinkTest, ContentTrackAddedByRenegotiationStaysInTheMeeting) {
    http_.add("/m.html", meeting_page("await media(); return {joined: true};"));
    start_page("/m.html",
               {.join_timeout_s = 60, .wait_timeout_s = 300, .password = "", .language = "en"});
    ASSERT_TRUE(joined_or_ended());
    ASSERT_FALSE(seen_.end) << seen_.cause;
    ASSERT_FALSE(link_->has_content_track());
    const std::string first = link_->browser_lease();
    // Evaluates `js` in the link's frame until its answer satisfies `ok`.
    const auto page_until = [&](const std::string& js, const std::function<bool(const Json&)>& ok) {
        auto last = std::make_shared<Json>();
        auto asking = std::make_shared<bool>(false);
        const bool met = wait_for([&] {
            if (!*asking && link_->page() != nullptr) {
                *asking = true;
                link_->page()->evaluate_in(link_->bridge_frame(), js,
                                           [last, asking](const core::Result<Json>& r) {
                                               *asking = false;
                                               if (r) *last = *r;
                                           });
            }
            return ok(*last);
        });
        return met;
    };
    // The page decodes the gateway's video (the meeting's camera) before the change.
    ASSERT_TRUE(page_until("window.__frames",
                           [](const Json& j) { return j.is_number() && j.get<int>() >= 10; }));
    // The page's camera track, which the meeting publishes: it must stay the same one.
    auto camera = std::make_shared<std::string>();
    ASSERT_TRUE(page_until("document.querySelector('video').srcObject.getVideoTracks()[0].id",
                           [camera](const Json& j) {
                               if (j.is_string()) *camera = j.get<std::string>();
                               return !camera->empty();
                           }));

    content_ = true;
    link_->add_content_track("a content line came by re-INVITE");
    EXPECT_TRUE(wait_for([&] { return seen_.end || link_->content_track_ready(); }));
    EXPECT_TRUE(page_until("__smgwBridge.hasContent()",
                           [](const Json& j) { return j.is_boolean() && j.get<bool>(); }));
    // The frames counted from here are decoded after the renegotiation.
    auto frames = std::make_shared<int>(-1);
    ASSERT_TRUE(page_until("window.__frames", [frames](const Json& j) {
        if (j.is_number()) *frames = j.get<int>();
        return *frames >= 0;
    }));
    const int after = *frames;
    EXPECT_TRUE(page_until("window.__frames", [after](const Json& j) {
        return j.is_number() && j.get<int>() >= after + 30;
    }));
    EXPECT_TRUE(wait_for([&] {
        return link_->bridge() != nullptr && link_->bridge()->stats().content_frames_encoded >= 30;
    }));
    EXPECT_FALSE(seen_.end) << seen_.cause;
    EXPECT_EQ(seen_.joined, 1);
    EXPECT_EQ(link_->browser_lease(), first);
    EXPECT_TRUE(page_until("document.querySelector('video').srcObject.getVideoTracks()[0].id",
                           [camera](const Json& j) { return j == *camera; }));
}

// "reconnecting" without "joined" within the grace period: the gateway rejoins with a fresh
// browser (a second join), before any end of the call.
TEST_F(MeetingLinkTest, ReconnectingWithoutJoinedIsRejoinedWithAFreshBrowser) {
    http_.add("/m.html",
              meeting_page("setTimeout(() => emit('reconnecting', {reason: 'ice failed'}), 300); "
                           "return {joined: true};"));
    start_page("/m.html", with_reconnect_grace(2));
    ASSERT_TRUE(joined_or_ended());
    const std::string first = link_->browser_lease();
    // The page the rejoin opens stays in the meeting.
    http_.add("/m.html", meeting_page("return {joined: true};"));
    ASSERT_TRUE(joined_or_ended(2));
    EXPECT_FALSE(seen_.end) << seen_.cause;
    ASSERT_EQ(seen_.reconnecting.size(), 1U);
    EXPECT_EQ(seen_.reconnecting[0], "ice failed");
    EXPECT_NE(link_->browser_lease(), first);
    EXPECT_NE(link_->browser_lease(), "");
}

// The tests' poll_link follows the link's page: a rejoin destroys the page a poll started in,
// and evaluating in it after that was a use after free (the slate test's poll held it).
TEST_F(MeetingLinkTest, PollFollowsTheLinksPageAcrossARejoin) {
    std::atomic<int> loads{0};
    http_.handle(
        "/m.html",
        [&](const std::string&) {
            return meeting_page("await media(); window.__load = " + std::to_string(++loads) +
                                "; return {joined: true};");
        },
        "text/html");
    start_page("/m.html", with_reconnect_grace(600));
    ASSERT_TRUE(joined_or_ended());
    ASSERT_FALSE(seen_.end) << seen_.cause;
    // The second evaluation in the first page has it rejoin (a fresh browser and page); only
    // the page the rejoin opens answers 2.
    const Json load = poll_link(
        "window.__load === 1 && (window.__asked = (window.__asked || 0) + 1) === 2 ? "
        "(emit('reconnecting', {reason: 'session gone', rejoin: true}), 0) : window.__load",
        [](const Json& v) { return v == Json(2); }, std::chrono::seconds(90));
    EXPECT_EQ(load, Json(2));
    EXPECT_EQ(seen_.joined, 2);
    EXPECT_FALSE(seen_.end) << seen_.cause;
}

// A page whose session on the service is gone (a restarted Janus) says so with
// `reconnecting {rejoin: true}`: the gateway rejoins with a fresh browser at once, without
// waiting for the reconnect grace period, and the call is not told about a reconnect.
TEST_F(MeetingLinkTest, ReconnectingWithRejoinIsRejoinedAtOnce) {
    http_.add("/m.html", meeting_page("setTimeout(() => emit('reconnecting', {reason: 'session "
                                      "gone', rejoin: true}), 300); return {joined: true};"));
    start_page("/m.html", with_reconnect_grace(600));
    ASSERT_TRUE(joined_or_ended());
    const std::string first = link_->browser_lease();
    http_.add("/m.html", meeting_page("return {joined: true};"));
    // Well within the grace period: only the immediate rejoin can pass.
    ASSERT_TRUE(joined_or_ended(2));
    EXPECT_FALSE(seen_.end) << seen_.cause;
    EXPECT_TRUE(seen_.reconnecting.empty());
    EXPECT_NE(link_->browser_lease(), first);
    EXPECT_NE(link_->browser_lease(), "");
}

// The service is not back yet when the gateway rejoins (Janus restarting): the failed rejoin is
// tried again, with another fresh browser, until it works within join_timeout_s.
TEST_F(MeetingLinkTest, FailedRejoinIsRetriedUntilTheServiceAnswers) {
    http_.add("/m.html", meeting_page("setTimeout(() => emit('reconnecting', {reason: 'session "
                                      "gone', rejoin: true}), 1000); return {joined: true};"));
    std::atomic<int> checks{0};
    http_.handle(
        "/service", [&](const std::string&) { return ++checks >= 2 ? "up" : "down"; },
        "text/plain");
    start_page("/m.html");
    ASSERT_TRUE(joined_or_ended());
    // Pages from now on join only when the service answers "up": the first rejoin fails.
    http_.add("/m.html", meeting_page("const r = await fetch('/service'); "
                                      "if ((await r.text()) !== 'up') throw new Error('service "
                                      "down'); return {joined: true};"));
    ASSERT_TRUE(joined_or_ended(2));
    EXPECT_FALSE(seen_.end) << seen_.cause;
    EXPECT_GE(checks.load(), 2) << "no rejoin failed, so none was retried";
}

}  // namespace

// The page runs third-party code: event fields of the wrong type read as absent instead of
// throwing (a throw dropped the whole event). A numeric type is ignored, a reconnecting whose
// reason is a number and whose rejoin is a string is still a reconnecting (no rejoin), and the
// call goes on to its end.
TEST_F(MeetingLinkTest, EventFieldsOfTheWrongTypeReadAsAbsent) {
    http_.add(
        "/m.html",
        meeting_page("setTimeout(() => { window.sipmediagwEvent(JSON.stringify({type: 123})); "
                     "emit('reconnecting', {reason: 7, rejoin: 'yes'}); "
                     "setTimeout(() => { emit('joined', {}); setTimeout(() => "
                     "emit('ended', {reason: 'meeting over'}), 500); }, 500); }, 500); "
                     "return {joined: true};"));
    start_page("/m.html");
    ASSERT_TRUE(ended());
    EXPECT_EQ(*seen_.end, MeetingEnd::Ended) << seen_.cause;
    ASSERT_EQ(seen_.reconnecting.size(), 1U);
    EXPECT_EQ(seen_.reconnecting[0], "");
    EXPECT_EQ(seen_.joined, 2);
}
