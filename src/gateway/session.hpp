// One call through the gateway: its room, SIP dialog, media and named state.
#pragma once

#include "core/log.hpp"
#include "gateway/ivr_session.hpp"
#include "gateway/meeting_link.hpp"
#include "gateway/meeting_prompts.hpp"
#include "gateway/room.hpp"
#include "gateway/session_state.hpp"
#include "media/engine.hpp"
#include "services/display_name.hpp"
#include "sip/call.hpp"

#include <memory>
#include <optional>
#include <string>

namespace gateway {

struct Session {
    Session(std::string session_id, Room wanted_room, std::optional<size_t> registration_slot)
        : id(std::move(session_id)),
          room(std::move(wanted_room)),
          slot(registration_slot),
          state(id) {}
    ~Session() {
        // IVR timers first (they reach into the call), then the dialog (BYE), then the media.
        ivr.reset();
        prompts.reset();
        notice_timer.cancel();
        alone_timer.cancel();
        call.reset();
        media.reset();
        spdlog::debug("gateway: sess={} released", id);
    }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    std::string id;
    Room room;
    std::optional<size_t> slot;  // the registration slot the INVITE was addressed to
    SessionStateMachine state;
    std::string display_name;  // the caller's name in the meeting
    // Who called; the display name is made again from it when the IVR changes the service
    // (each service has its own display_name template).
    services::CallerIdentity caller;
    // The meeting side (named rooms); destroyed last, which discards its browser.
    std::unique_ptr<MeetingLink> meeting;
    // Declared before `call` so the dialog (BYE) goes first, then the ports.
    std::unique_ptr<media::CallMedia> media;
    bool media_started = false;
    std::unique_ptr<sip::Call> call;
    std::unique_ptr<IvrSession> ivr;  // while the caller is in the IVR
    // While the meeting holds or refuses the join: the caller's picture, prompts and password.
    std::unique_ptr<MeetingPrompts> prompts;
    core::Timer notice_timer;  // clears an on-screen confirmation
    core::Timer alone_timer;   // [service] alone_timeout_s
};

}  // namespace gateway
