// The conference side of one call: a browser from the pool, the meeting page opened with the
// service adapter and the media bridge injected, the WebRTC link to that page (signalled over
// DevTools, in the frame whose bridge said hello) and the adapter's join, bounded by a deadline
// and repeated in each document of a multi-page join. Page events are raised as
// MeetingLinkEvents; a lost page is rejoined (issue 4; a few times per call, issue 11) and a
// failed first join is tried once more (issue 11). Lives on the control thread, owned by its
// CallSession; destroying it discards the browser (never reused).
#pragma once

#include "browser/page.hpp"
#include "browser/pool.hpp"
#include "core/control_loop.hpp"
#include "core/result.hpp"
#include "media/meeting_bridge.hpp"
#include "services/adapter.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace gateway {

// Why a meeting link gave up; the call tells the caller (spoken cause) before its BYE.
enum class MeetingEnd {
    Ended,         // the meeting ended, or the service hung up on us
    Kicked,        // a moderator removed us
    JoinFailed,    // the page, the adapter or the browser failed before we were in
    JoinTimedOut,  // [service] join_timeout_s passed without a join
    WaitTimedOut,  // held in a lobby / waiting room longer than [service] wait_timeout_s
    Lost,          // in the meeting, then lost, and the rejoin failed too
};

std::string_view meeting_end_name(MeetingEnd end);

struct MeetingLinkEvents {
    std::function<void()> on_joined;  // the adapter's join() succeeded (again, after a move)
    // The call must end (BYE); `cause` is for logs and the API.
    std::function<void(MeetingEnd end, const std::string& cause)> on_ended;
    // The service holds the join (lobby, waiting for a moderator, meeting not started): the
    // caller should see and hear that it waits. The join's deadline becomes
    // [service] wait_timeout_s. Called again when the reason changes.
    std::function<void(const std::string& reason)> on_waiting;
    // The service asks for a room password that the config does not hold (retry: the last one
    // was refused): the call collects one from the caller and hands it to submit_password().
    std::function<void(bool retry)> on_password_required;
    // The service is re-entering the meeting by itself (breakout room move, reload, an error
    // it recovers from): the call is kept, on_joined follows once it is back.
    std::function<void(const std::string& reason)> on_reconnecting;
    // Participants besides the gateway, polled from the adapter's participantCount() while
    // joined ([service] alone_timeout_s); called on every poll.
    std::function<void(size_t others)> on_participants;
    // The meeting shows a share (or stops): the adapter's `share` event, {active, id, name}
    // (docs/content.md, "Meeting view"). The compositor already puts it first by itself.
    std::function<void(bool active, const std::string& id, const std::string& name)> on_share;
    // Asked each time the link is built: the video passthrough the call's SIP side runs
    // (media::CallMedia::passthrough_video()); nullopt or unset: the link transcodes.
    std::function<std::optional<media::PassthroughVideo>()> passthrough;
    // Likewise for audio (media::CallMedia::passthrough_audio()); unset or false: transcode.
    std::function<bool()> audio_passthrough;
    // Likewise: the call has a content line (media::CallMedia::content_active()), so the link
    // carries a content track (docs/content.md); unset or false: the link has two tracks.
    std::function<bool()> content;
    // With content: the room's content passed through as it came
    // (media::CallMedia::passthrough_content()); nullopt or unset: encoded in VP8 by the link.
    std::function<std::optional<media::PassthroughVideo>()> content_passthrough;
    // Milestones of a join, for `sipmediagw probe-meeting`: "browser" (one acquired),
    // "page_loaded" (the join URL's load event), "media_requested" (the page asked for the
    // camera and microphone: the media bridge said hello).
    std::function<void(std::string_view step)> on_progress;
};

// How long a meeting that said "reconnecting" may take to say "joined" again before the gateway
// rejoins with a fresh browser. Jitsi's own reload after ICE failure takes 10-20 s.
inline constexpr uint32_t kReconnectGraceS = 45;
// Rejoins per call (browser crashes, a restarted Janus): bounded so that a meeting that keeps
// throwing us out ends the call instead of cycling browsers forever.
inline constexpr uint32_t kMaxRejoins = 3;
// Pause before a failed rejoin is tried again (a restarted service may not answer yet).
inline constexpr uint64_t kRejoinRetryMs = 2000;

// What the caller sees and hears while the page joins (the page draws it once the link is up,
// until the adapter's join() answered): a text and, unless empty, a spoken prompt (WAV file).
struct JoiningSlate {
    std::string text;
    std::string wav_file;
};

// What a join needs from the configuration besides the adapter.
struct MeetingJoinSettings {
    uint32_t join_timeout_s = 30;   // [service] join_timeout_s
    uint32_t wait_timeout_s = 300;  // [service] wait_timeout_s: held by the service (lobby...)
    std::string password;           // [service] password → join(options).password
    std::string language = "en";    // [ivr] language → join(options).language
    uint32_t reconnect_grace_s = kReconnectGraceS;
    // A first join that fails (browser, page, adapter error; not a timeout) is tried once more
    // with a fresh browser ("join retry" in the log).
    bool retry_failed_join = true;
};

class MeetingLink {
public:
    MeetingLink(std::string session_id, const services::Adapter& adapter,
                services::JoinRequest request, browser::Pool& pool, core::ControlLoop& loop,
                MeetingLinkEvents events);
    ~MeetingLink();
    MeetingLink(const MeetingLink&) = delete;
    MeetingLink& operator=(const MeetingLink&) = delete;

    // "tab" or "compositor" ([browser] meeting_video); set before start().
    void set_meeting_video(std::string source) { meeting_video_ = std::move(source); }
    // "speaker" or "grid" ([browser] meeting_layout), the compositor's first layout; set
    // before start().
    void set_meeting_layout(std::string layout) { meeting_layout_ = std::move(layout); }
    // The compositor's layout: "next" cycles, "speaker" / "grid" set it; done gets the layout
    // now shown (an error without a compositor: tab capture, not joined).
    void layout(const std::string& name, std::function<void(core::Result<std::string>)> done);
    // [browser] forward_encoded_video; set before start().
    void set_forward_encoded_video(bool on) { forward_encoded_video_ = on; }
    // [browser] forward_encoded_meeting_video; set before start().
    void set_forward_encoded_meeting_video(bool on) { forward_encoded_meeting_video_ = on; }
    // The "joining" slate; set before start() (none: the caller gets black until the meeting).
    void set_joining_slate(JoiningSlate slate) { slate_ = std::move(slate); }
    // Deadlines and the join options every adapter gets; set before start().
    void set_join_settings(MeetingJoinSettings settings) { settings_ = std::move(settings); }
    void start();
    // sipmediagwAdapter.action(name) in the page; done gets the action's JSON result.
    void action(services::Action action, std::function<void(core::Result<std::string>)> done);
    // Content sharing (docs/content.md). Room → meeting: the page's getDisplayMedia answers with
    // the room's content track, and the adapter's share_start / share_stop runs; done gets the
    // page's answer. Meeting → room: the page sends the meeting's share on the content track.
    void content_share(bool start, std::function<void(core::Result<std::string>)> done);
    void send_content(bool on);
    // The link carries a content track (events.content() said so when it was made, or
    // add_content_track() added it).
    [[nodiscard]] bool has_content_track() const noexcept { return bridge_ && link_content_; }
    // ...and the page holds it: no renegotiation for it is waiting for the page's answer.
    [[nodiscard]] bool content_track_ready() const noexcept {
        return has_content_track() && !renegotiating_;
    }
    // A content line added by re-INVITE (docs/content.md): the link gets a content track by
    // renegotiating with the page while the meeting stays joined (logged `meeting link
    // renegotiated`). Where that cannot be done (the link's first offer not answered yet, the
    // page refusing the new offer), relink() rebuilds it instead (`meeting link rebuilt`).
    // Nothing to do when the link has the track already (a content line removed and added
    // again reuses it) or before the first link is made.
    void add_content_track(const std::string& why);
    // A fresh link for tracks the current one lacks (a content line added by re-INVITE): the
    // link's tracks are fixed when it is made, so the page leaves the meeting and joins again
    // in a fresh browser, like a rejoin but not counted against kMaxRejoins. Nothing happens
    // before the first link is made (it will have what the call has by then) or after the end.
    void relink(const std::string& why);
    // A password the caller typed, for the page (sipmediagwAdapter.submitPassword).
    void submit_password(const std::string& password);
    // sipmediagwAdapter.leave(), then done (also when the page does not answer in time).
    void leave(std::function<void()> done);

    [[nodiscard]] bool joined() const noexcept { return joined_; }
    [[nodiscard]] pid_t browser_pid() const noexcept { return browser_ ? browser_->pid() : 0; }
    // The browser lease the call is on: the browser's pid, with its context in a shared browser
    // ([browser] calls_per_browser above 1). A rejoin on a fresh lease changes it; "" before one.
    [[nodiscard]] std::string browser_lease() const {
        return browser_ ? std::to_string(browser_->pid()) + "/" + browser_->context_id() : "";
    }
    [[nodiscard]] media::MeetingBridge* bridge() const noexcept { return bridge_.get(); }
    // The meeting tab (nullptr before it opens) and the execution context running the media
    // bridge (none yet: the main frame's), for diagnostics such as probe-meeting's.
    [[nodiscard]] browser::Page* page() const noexcept { return page_.get(); }
    [[nodiscard]] browser::FrameContext bridge_frame() const {
        return bridge_frame_.value_or(browser::FrameContext{});
    }

private:
    void attempt();
    void with_browser(std::unique_ptr<browser::Browser> b);
    void open_page();
    void watch_page();  // the page's events to this link
    void navigate();    // the adapter's prepare() step, then open_join_url()
    void open_join_url();
    void join();
    void joined_meeting();
    void join_redirected(const std::string& why);
    std::string join_options() const;
    // Camera/microphone/capture for one origin (once per origin), then `then`.
    void grant_origin(const std::string& origin, std::function<void()> then);
    core::Status make_bridge();
    // A fresh link, started at once: its offer (which waits for the caller's first keyframe when
    // video is forwarded) and ICE gathering run while the browser and page come up.
    core::Status start_link();
    // The link's messages held back until the page's bridge says hello, then sent to its frame.
    void flush_link_messages();
    // Tells the link's frame to show the joining slate (hello) or the meeting (joined).
    void slate_to_page(bool show);
    void on_signal(const std::string& payload, const browser::FrameContext& from);
    void on_page_event(const std::string& payload, const browser::FrameContext& from);
    void on_context_gone(const browser::FrameContext& context);
    // The page's "meeting_forward" report: the meeting's video to the caller, forwarded or not.
    void log_meeting_forward(const nlohmann::json& msg);
    // Its `meetingPayloadType`: the link lists the caller's codec under it too (MeetingBridge::
    // add_meeting_payload_type()) and offers again.
    void list_meeting_payload_type(unsigned pt, const std::string& codec, const std::string& fmtp);
    // Its "forward" report of kind "content": the room's content into the meeting's share.
    void log_content_forward(const nlohmann::json& msg);
    // Encoded frames keep the link's payload type, either way: the link numbers its video as
    // the page's Chromium does.
    [[nodiscard]] bool numbers_like_page() const {
        return forward_encoded_video_ || forward_encoded_meeting_video_;
    }
    void hold_join(const std::string& what);  // waiting / password: the longer deadline
    void arm_deadline(uint32_t seconds, MeetingEnd end);
    void deadline_passed(MeetingEnd end);
    void poll_participants();
    // Any failure of the current attempt: rejoin (a few times per call) or retry a failed first
    // join once, else end the call.
    void lost(const std::string& cause);
    void retry();  // a fresh browser for the next attempt
    // The call must end: logs, tells the session, frees the browser.
    void finish(MeetingEnd end, const std::string& cause);
    void teardown();

    std::string id_;
    const services::Adapter& adapter_;
    services::JoinRequest request_;
    browser::Pool& pool_;
    core::ControlLoop& loop_;
    MeetingLinkEvents events_;
    std::unique_ptr<browser::Browser> browser_;
    std::unique_ptr<browser::Page> page_;
    std::unique_ptr<media::MeetingBridge> bridge_;
    core::HttpFetch http_;  // the adapter's prepare() step
    std::string meeting_video_ = "compositor";
    std::string meeting_layout_ = "speaker";
    bool forward_encoded_video_ = false;
    bool forward_encoded_meeting_video_ = false;
    std::string meeting_forward_mode_;  // the last "meeting_forward" mode logged
    // How the page's Chromium numbers video (its hello's videoFormats), learnt once per process.
    static std::optional<nlohmann::json>& page_video_formats();
    std::string forward_mode_;  // "encoded" | "decoded" as the page last said (logged on change)
    bool forward_off_logged_ = false;    // "forwarding: off" at info once per call
    std::string forward_audio_mode_;     // the same for the caller's audio (forwarder.js)
    bool forward_audio_logged_ = false;  // its first settled mode at info, once per call
    std::string forward_content_mode_;   // the same for the room's content (forwarder.js)
    MeetingJoinSettings settings_;
    JoiningSlate slate_;
    std::string slate_message_;  // its JSON for the page (with the WAV), made once
    // The execution context whose bridge said hello: the link's messages go there only.
    std::optional<browser::FrameContext> bridge_frame_;
    // The link started ahead of the page: its offer and candidates wait here for the hello.
    std::vector<nlohmann::json> held_link_messages_;
    bool link_bound_ = false;        // bridge_ serves a frame (a later hello needs a fresh link)
    bool link_content_ = false;      // bridge_ was made with a content track
    bool relinking_ = false;         // relink(): leaving the meeting before joining again
    bool renegotiating_ = false;     // add_content_track(): the page's answer is awaited
    std::string renegotiation_why_;  // for the rebuild if the page refuses the new offer
    std::set<std::string> granted_origins_;
    // The spare's pre-loaded page is at the adapter's pre-join step: join() without navigating.
    bool join_in_place_ = false;
    std::string stage_;                    // what the join waits for, for the timeout's cause
    uint64_t join_load_ = 0;               // the page's load count when join() was called
    bool awaiting_next_document_ = false;  // join() said redirected: run it again after load
    bool held_ = false;                    // waiting / password: the deadline is wait_timeout_s
    bool reconnecting_ = false;            // the service re-enters the meeting by itself
    bool was_joined_ = false;              // in the meeting at least once (a failed rejoin is Lost)
    bool rejoining_ = false;               // lost after being in; not joined again yet
    uint32_t rejoins_ = 0;
    core::Timer deadline_timer_;
    core::Timer reconnect_timer_;
    core::Timer rejoin_timer_;
    core::Timer leave_timer_;
    core::Timer participants_timer_;
    int last_participants_ = -1;  // logged when it changes
    uint32_t generation_ = 0;     // callbacks of an abandoned attempt check it
    uint32_t attempts_ = 0;
    bool join_retried_ = false;  // the retry of a failed first join was used
    bool joined_ = false;
    bool ended_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace gateway
