#include "gateway/call_session.hpp"

#include "core/log.hpp"

namespace gateway {

namespace {

// What the caller sees and hears before the meeting (if any) takes over.
media::Mode media_mode_for(RoomKind kind) {
    // A named room is bridged to its meeting page from the start: until the page is up the
    // caller gets silence and black video from the bridge channels.
    return kind == RoomKind::Echo  ? media::Mode::Echo
           : kind == RoomKind::Ivr ? media::Mode::Ivr
                                   : media::Mode::Bridge;
}

}  // namespace

CallSession::CallSession(CallContext& context, std::string session_id, Room wanted_room,
                         std::optional<size_t> registration_slot,
                         std::unique_ptr<media::CallMedia> media)
    : context_(context),
      id_(std::move(session_id)),
      room_(std::move(wanted_room)),
      slot_(registration_slot),
      state_(id_),
      media_(std::move(media)) {
    if (room_.kind == RoomKind::Named && room_.service.empty())
        room_.service = context_.routes.default_service().name;
}

CallSession::~CallSession() {
    alive_.reset();  // nothing posted earlier runs on a half-destroyed call
    // IVR timers first (they reach into the call), then the dialog (BYE), then the media.
    ivr_.reset();
    prompts_.reset();
    notice_timer_.cancel();
    alone_timer_.cancel();
    content_timer_.cancel();
    call_.reset();
    floor_.reset();
    media_.reset();
    spdlog::debug("gateway: sess={} released", id_);
}

void CallSession::post(std::function<void()> fn) {
    context_.loop.post([alive = std::weak_ptr<bool>(alive_), fn = std::move(fn)] {
        if (!alive.expired()) fn();
    });
}

void CallSession::set_caller(services::CallerIdentity caller) {
    caller_ = std::move(caller);
    display_name_ = services::display_name_for(caller_, service().display_name);
}

bool CallSession::start_media(const sip::NegotiatedMedia& media) {
    media_started_ = true;
    apply_content(media);
    return media_ok(media_->start(media, media_mode_for(room_.kind)), "media start failed");
}

bool CallSession::media_ok(const core::Status& status, const char* what) {
    if (status) return true;
    // A call without its pipeline is silent both ways: end it with BYE and say why, rather
    // than leave the caller to hang up on nothing.
    spdlog::warn("gateway: sess={} {}: {}", id_, what, status.error().message);
    hangup(std::string(what) + ": " + status.error().message);
    return false;
}

SessionView CallSession::view() const {
    SessionView v;
    v.id = id_;
    v.state = state_name(state_.state());
    v.room_kind = room_kind_name(room_.kind);
    v.room = room_.name;
    v.service = room_.service;
    if (prompts_) v.meeting = prompts_->status();
    v.display_name = display_name_;
    if (floor_ && floor_->room_holds_floor()) v.content_floor = "room";
    v.share = share_.value_or("");
    if (call_) {
        v.call_id = call_->call_id();
        const auto& m = call_->media();
        v.audio_codec = m.audio ? m.audio->codec.name : "";
        v.video_codec = m.video ? m.video->codec.name : "";
        v.content_codec = m.content ? m.content->codec.name : "";
        v.content_bfcp = m.bfcp ? sip::bfcp_transport_name(m.bfcp->transport) : "";
        for (const auto* st : {&m.audio, &m.video})
            if (*st && (*st)->protection != sip::Protection::None)
                v.protection = sip::protection_name((*st)->protection);
    }
    return v;
}

void CallSession::on_established() {
    switch (room_.kind) {
        case RoomKind::Echo:
            state_.change(SessionState::InCall, "echo room answered");
            break;
        case RoomKind::Ivr:
            state_.change(SessionState::Ivr, "no room in the URI");
            start_ivr();
            break;
        case RoomKind::Named:
            enter_meeting(room_.name, "room in the URI");
            break;
    }
}

void CallSession::on_media(const sip::NegotiatedMedia& m) {
    if (!media_) return;
    // Outbound calls and offerless INVITEs learn their media only from the answer.
    const bool first = !media_started_;
    apply_content(m);
    auto st = first ? media_->start(m, media_mode_for(room_.kind)) : media_->update(m);
    media_started_ = true;
    if (!media_ok(st, first ? "media start failed" : "media update failed")) return;
    // A content line that came by re-INVITE reaches the meeting on a content track the link
    // gets by renegotiation (rebuilt only where that cannot be done).
    if (meeting_ && media_ && media_->content_active() && meeting_->bridge() != nullptr &&
        !meeting_->has_content_track())
        meeting_->add_content_track("a content line came by re-INVITE");
}

void CallSession::on_info(const sip::InfoEvent& ev) {
    if (const auto* key = std::get_if<sip::DtmfKey>(&ev)) {
        on_dtmf(key->digit, "info");
    } else if (media_) {
        media_->send_keyframe();
    }
}

void CallSession::on_keyframe_needed() {
    // The peer offered neither PLI nor FIR: ask over SIP (RFC 5168).
    if (call_) call_->request_keyframe();
}

void CallSession::hangup(const std::string& cause) {
    if (call_) call_->hangup(cause);
    end(cause);
}

void CallSession::end(const std::string& cause) {
    if (state_.state() == SessionState::Ending) return;
    state_.change(SessionState::Ending, cause);
    if (floor_) floor_->close();  // a held floor is revoked before the BYE
    auto report = [this] {
        if (ended_reported_) return;
        ended_reported_ = true;
        if (context_.ended) context_.ended(id_);
    };
    // Leave the meeting politely first (bounded), then drop everything.
    if (meeting_) {
        meeting_->leave([alive = std::weak_ptr<bool>(alive_), report] {
            if (!alive.expired()) report();
        });
        return;
    }
    report();
}

void CallSession::shutdown() {
    state_.change(SessionState::Ending, "shutdown");
    ended_reported_ = true;
    if (call_) call_->hangup("shutdown");
}

}  // namespace gateway
