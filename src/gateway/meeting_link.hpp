// The conference side of one call: a browser from the pool, the meeting page opened with the
// service adapter and the media bridge injected, the WebRTC link to that page (signalled over
// DevTools) and the adapter's join. Page events and browser failures come back as one
// "ended" cause; a lost page is rejoined once before giving up (issue 4). Lives on the control
// thread, owned by its Session; destroying it discards the browser (never reused).
#pragma once

#include "browser/page.hpp"
#include "browser/pool.hpp"
#include "core/control_loop.hpp"
#include "core/result.hpp"
#include "media/meeting_bridge.hpp"
#include "services/adapter.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

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
    // Asked each time the link is built: the video passthrough the call's SIP side runs
    // (media::CallMedia::passthrough_video()); nullopt or unset: the link transcodes.
    std::function<std::optional<media::PassthroughVideo>()> passthrough;
    // Likewise for audio (media::CallMedia::passthrough_audio()); unset or false: transcode.
    std::function<bool()> audio_passthrough;
    // Milestones of a join, for `sipmediagw probe-meeting`: "browser" (one acquired),
    // "page_loaded" (the join URL's load event), "media_requested" (the page asked for the
    // camera and microphone: the media bridge said hello).
    std::function<void(std::string_view step)> on_progress;
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
    void start();
    // sipmediagwAdapter.action(name) in the page; done gets the action's JSON result.
    void action(services::Action action, std::function<void(core::Result<std::string>)> done);
    // A password the caller typed, for the page (sipmediagwAdapter.submitPassword).
    void submit_password(const std::string& password);
    // sipmediagwAdapter.leave(), then done (also when the page does not answer in time).
    void leave(std::function<void()> done);

    [[nodiscard]] bool joined() const noexcept { return joined_; }
    [[nodiscard]] pid_t browser_pid() const noexcept { return browser_ ? browser_->pid() : 0; }
    [[nodiscard]] media::MeetingBridge* bridge() const noexcept { return bridge_.get(); }
    // The meeting tab (nullptr before it opens) and the DevTools session of the frame running
    // the media bridge (empty: the main frame), for diagnostics such as probe-meeting's.
    [[nodiscard]] browser::Page* page() const noexcept { return page_.get(); }
    [[nodiscard]] const std::string& bridge_frame() const noexcept { return bridge_frame_; }

private:
    void attempt();
    void with_browser(std::unique_ptr<browser::Browser> b);
    void open_page();
    void navigate();  // the adapter's prepare() step, then open_join_url()
    void open_join_url();
    void join();
    void on_signal(const std::string& payload, const std::string& frame_session);
    void on_page_event(const std::string& payload);
    void poll_participants();
    // Any failure of the current attempt: rejoin once, else end the call.
    void lost(const std::string& cause);
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
    std::string bridge_frame_;  // DevTools session of the frame running the bridge
    core::Timer leave_timer_;
    core::Timer participants_timer_;
    int last_participants_ = -1;  // logged when it changes
    uint32_t generation_ = 0;     // callbacks of an abandoned attempt check it
    uint32_t attempts_ = 0;
    bool joined_ = false;
    bool ended_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace gateway
