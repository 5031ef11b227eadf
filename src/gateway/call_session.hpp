// One call through the gateway over its life: its room, SIP dialog, media and named state, and
// what the caller does with it (the IVR, in-call keys, on-screen notices, the meeting join and
// what the meeting says, the alone timeout). The Gateway admits the call, creates one, keeps it
// in its registry and forwards the call's events to it; the call asks nothing else of the
// Gateway than what CallContext holds.
#pragma once

#include "browser/pool.hpp"
#include "core/config.hpp"
#include "core/control_loop.hpp"
#include "core/result.hpp"
#include "gateway/ivr_session.hpp"
#include "gateway/meeting_link.hpp"
#include "gateway/meeting_prompts.hpp"
#include "gateway/room.hpp"
#include "gateway/service_routes.hpp"
#include "gateway/session_state.hpp"
#include "media/engine.hpp"
#include "services/adapter.hpp"
#include "services/display_name.hpp"
#include "sip/call.hpp"
#include "sip/floor_server.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace gateway {

// A read-only view of one session, for the API and metrics.
struct SessionView {
    std::string id;
    std::string state;      // answering, ivr, joining, in_call, ending
    std::string room_kind;  // room, ivr, echo
    std::string room;
    std::string
        service;       // the [[services]] name the call joins; empty for IVR (not chosen yet), echo
    std::string slot;  // registration slot the call came through, or empty
    std::string call_id;
    std::string audio_codec;
    std::string video_codec;
    // How the SIP leg's media is protected: none, sdes-srtp, dtls-srtp (the strongest stream's).
    std::string protection = "none";
    // What holds the join or ends the call: "waiting:<reason>", "password",
    // "reconnecting:<reason>", "ending:<cause>"; empty otherwise.
    std::string meeting;
    std::string display_name;  // the caller's name in the meeting
    // Content sharing (docs/content.md): the content line's codec, its floor control
    // ("UDP/BFCP", "TCP/BFCP"), and who holds the floor ("room"); empty when none.
    std::string content_codec;
    std::string content_bfcp;
    std::string content_floor;
    std::string share;  // who shares a screen in the meeting (its name, or its id), or empty
};

// What a call needs from the gateway process: all of it outlives every call.
struct CallContext {
    const core::Config& config;
    const ServiceRoutes& routes;
    const services::AdapterRegistry& adapters;
    browser::Pool& pool;
    core::ControlLoop& loop;
    // The call is over (its BYE sent or received, its meeting left): the registry drops it.
    // Called at most once, never from inside the call's destructor.
    std::function<void(const std::string& id)> ended;
};

class CallSession {
public:
    CallSession(CallContext& context, std::string session_id, Room wanted_room,
                std::optional<size_t> registration_slot, std::unique_ptr<media::CallMedia> media);
    ~CallSession();
    CallSession(const CallSession&) = delete;
    CallSession& operator=(const CallSession&) = delete;

    // Who called (an incoming call): the display name is made from it now and again when the
    // IVR changes the service (each service has its own display_name template).
    void set_caller(services::CallerIdentity caller);
    void set_display_name(std::string name) { display_name_ = std::move(name); }
    // The dialog, once sip::Call accepted or dialled it.
    void attach_call(std::unique_ptr<sip::Call> call) { call_ = std::move(call); }
    // Content sharing (docs/content.md): a floor control server for the call, opened before
    // the answer so that its ports and ids are in it (behind TURN: UDP/BFCP through the
    // call's BFCP relay); nullptr when the call has no content line. Its events come to this
    // call.
    static std::unique_ptr<sip::FloorServer> open_floor_server(const std::string& session_id,
                                                               media::CallMedia& media,
                                                               sip::LocalMediaPorts& ports);
    void attach_floor(std::unique_ptr<sip::FloorServer> floor);
    // The first media of an answered INVITE with an offer: false (and the call ended with BYE)
    // when the pipeline does not start.
    bool start_media(const sip::NegotiatedMedia& media);

    // The dialog's and the media's events (Gateway routes them here by session id).
    void on_established();
    void on_media(const sip::NegotiatedMedia& media);
    void on_info(const sip::InfoEvent& event);
    void on_keyframe_needed();
    void on_dtmf(char digit, const char* source);
    // Behind TURN, a re-INVITE asked for content or BFCP lines the call has no relays for
    // (answered with port 0): allocates them, then offers the lines on them.
    void on_content_without_ports();

    // An in-call action from the API or a key (mute, camera, hand, tile, leave, menu).
    core::Status in_call_action(const std::string& action);
    // An action in the meeting page (sipmediagwAdapter.action); `done` gets the page's answer.
    void meeting_action(services::Action action,
                        std::function<void(core::Result<std::string>)> done);
    // BYE (CANCEL when not answered yet), then the call ends.
    void hangup(const std::string& cause);
    // The dialog is gone (the peer's BYE, a failed INVITE): the call ends without a BYE.
    void end(const std::string& cause);
    // The process stops: BYE at once, no meeting leave, no `ended` callback.
    void shutdown();

    [[nodiscard]] const std::string& id() const { return id_; }
    [[nodiscard]] std::optional<size_t> slot() const { return slot_; }
    [[nodiscard]] const Room& room() const { return room_; }
    [[nodiscard]] const std::string& display_name() const { return display_name_; }
    [[nodiscard]] SessionState state() const { return state_.state(); }
    // The registry's view; `slot` is for the Gateway to fill in (it names the slots).
    [[nodiscard]] SessionView view() const;
    [[nodiscard]] const media::CallMedia* media() const { return media_.get(); }
    [[nodiscard]] const MeetingLink* meeting() const { return meeting_.get(); }
    [[nodiscard]] const sip::FloorServer* floor() const { return floor_.get(); }

    // The service this call joins (its choice, else the default).
    [[nodiscard]] const core::ServiceConfig& service() const {
        return context_.routes.of(room_.service);
    }

private:
    [[nodiscard]] const services::Adapter& adapter() const;
    void start_ivr();
    // The meeting-join handover: one call, made when a room is known (IVR or named room).
    void enter_meeting(const std::string& room, const std::string& cause);
    void join_meeting();
    MeetingPromptHooks meeting_prompt_hooks();
    MeetingLinkEvents meeting_events();
    void on_participants(size_t others);
    void on_share(bool active, const std::string& id, const std::string& name);
    core::Status cycle_layout();  // the [dtmf] layout key: speaker ↔ grid, with a notice
    // Text on the caller's picture for a few seconds (confirmations, the key menu).
    void show_notice(const std::string& text, uint64_t ms);
    // false (and the call hung up with `what` and the reason as its cause) on a failure.
    bool media_ok(const core::Status& status, const char* what);
    // The content line and the BFCP line of the latest offer/answer.
    void apply_content(const sip::NegotiatedMedia& media);
    void on_content_floor(bool room_holds);
    // Room → meeting: every second while the call has a content line, whether the room's
    // content is to be shared in the meeting (floor held, or no BFCP; RTP flowing).
    void watch_content();
    void check_content();
    void share_to_meeting(bool start, const std::string& why);
    // Meeting → room: the meeting's share on the content line, with the floor held by us.
    void on_share_content(bool active);
    void send_share_to_room(bool on, const std::string& why);
    void hold_content_floor(bool hold);
    // Runs fn from the loop if this call still exists then (never inside the caller's stack).
    void post(std::function<void()> fn);

    CallContext& context_;
    std::string id_;
    Room room_;
    std::optional<size_t> slot_;  // the registration slot the INVITE was addressed to
    SessionStateMachine state_;
    std::string display_name_;  // the caller's name in the meeting
    services::CallerIdentity caller_;
    std::optional<std::string> share_;  // the meeting's share being shown (its name or id)
    // The meeting side (named rooms); destroyed last, which discards its browser.
    std::unique_ptr<MeetingLink> meeting_;
    // Declared before `call_` so the dialog (BYE) goes first, then the ports.
    std::unique_ptr<media::CallMedia> media_;
    bool media_started_ = false;
    std::unique_ptr<sip::Call> call_;
    std::unique_ptr<sip::FloorServer> floor_;  // with a content line: BFCP, us as server
    std::unique_ptr<IvrSession> ivr_;          // while the caller is in the IVR
    // While the meeting holds or refuses the join: the caller's picture, prompts and password.
    std::unique_ptr<MeetingPrompts> prompts_;
    core::Timer notice_timer_;             // clears an on-screen confirmation
    core::Timer alone_timer_;              // [service] alone_timeout_s
    core::Timer content_timer_;            // watch_content()
    bool content_to_meeting_ = false;      // share_start asked of the page
    bool content_share_failed_ = false;    // not asked again until the floor changes hands
    bool content_from_meeting_ = false;    // the meeting's share goes to the room
    bool content_relays_pending_ = false;  // on_content_without_ports() allocating
    bool ended_reported_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace gateway
