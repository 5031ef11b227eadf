// Content sharing of one call (docs/content.md): the BFCP floor control server, and what the
// floor means for the call's content line. Room → meeting: while the room holds the floor (or
// there is no BFCP) and its content RTP flows, the page shares it in the meeting (adapter
// share_start / share_stop). Meeting → room: a share in the meeting goes out on the content
// line while the gateway holds the floor.
#include "gateway/call_session.hpp"

#include "core/log.hpp"

#include <fmt/format.h>

#include <chrono>

namespace gateway {

namespace {

constexpr uint64_t kContentCheckMs = 1000;
// No content RTP for this long: the room stopped presenting without telling BFCP (or has no
// BFCP), and the meeting's share of it ends.
constexpr int64_t kContentIdleMs = 3000;

int64_t monotonic_ms() {
    // The media threads stamp packets with g_get_monotonic_time(): CLOCK_MONOTONIC too.
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

std::unique_ptr<sip::FloorServer> CallSession::open_floor_server(const std::string& session_id,
                                                                 media::CallMedia& media,
                                                                 sip::LocalMediaPorts& ports) {
    if (media.local_ports().content_rtp == 0) return nullptr;  // no content line, no floor
    // Bound where the media are (the public address, when set, is not ours to bind; behind
    // TURN the relay's is not either).
    auto floor = sip::FloorServer::open(media.bind_address(), session_id, {});
    if (!floor) {
        spdlog::warn("gateway: sess={} no floor control server: {}", session_id,
                     floor.error().message);
        return nullptr;
    }
    const auto* identity = media.dtls_identity();
    if (identity && !media.relayed()) {
        if (auto tls = (*floor)->enable_tls(identity->pem); !tls.ok())
            spdlog::warn("gateway: sess={} no TCP/TLS/BFCP: {}", session_id, tls.error().message);
    }
    (*floor)->describe(ports);
    if (media.relayed()) {
        // Behind TURN the room reaches us only through UDP allocations: UDP/BFCP gets its
        // relay, TCP/BFCP and TCP/TLS/BFCP get port 0 (RFC 6062 TCP allocations: not done).
        ports.bfcp_udp = media.relay_bfcp(ports.bfcp_udp);
        ports.bfcp_tcp = 0;
        ports.bfcp_tls = false;
    }
    return std::move(*floor);
}

void CallSession::on_content_without_ports() {
    if (!media_ || !media_->relayed() || content_relays_pending_ ||
        state_.state() == SessionState::Ending)
        return;
    if (media_->content_relayed()) return;  // answered with them already
    spdlog::info(
        "gateway: sess={} content line by re-INVITE behind TURN: answered with port 0, "
        "allocating its relays",
        id_);
    content_relays_pending_ = true;
    auto st = media_->add_content_relays(
        [this, alive = std::weak_ptr<bool>(alive_)](const core::Status& done) {
            if (alive.expired()) return;
            content_relays_pending_ = false;
            if (!done) {
                spdlog::warn(
                    "gateway: sess={} content relays failed ({}): the content line "
                    "stays at port 0",
                    id_, done.error().message);
                return;
            }
            if (!call_ || state_.state() == SessionState::Ending) return;
            sip::LocalMediaPorts ports = media_->local_ports();
            // A relayed call has a floor control server only with content relays: none yet.
            attach_floor(open_floor_server(id_, *media_, ports));
            (void)call_->offer_content(ports);
        });
    if (!st) {
        content_relays_pending_ = false;
        spdlog::warn(
            "gateway: sess={} content relays failed ({}): the content line stays at "
            "port 0",
            id_, st.error().message);
    }
}

void CallSession::attach_floor(std::unique_ptr<sip::FloorServer> floor) {
    floor_ = std::move(floor);
    if (floor_) floor_->set_events({[this](bool holds) { on_content_floor(holds); }});
}

void CallSession::apply_content(const sip::NegotiatedMedia& media) {
    if (floor_) floor_->apply(media_ ? media_->route_bfcp(media.bfcp) : media.bfcp);
    const bool content = media.content && media.content->remote_rtp_port != 0;
    if (!content) {
        content_timer_.cancel();
        share_to_meeting(false, "the content line is gone");
        send_share_to_room(false, "the content line is gone");
        return;
    }
    if (!content_timer_.active()) watch_content();
}

void CallSession::on_content_floor(bool room_holds) {
    spdlog::info("gateway: sess={} content floor {} by the room", id_,
                 room_holds ? "taken" : "released");
    content_share_failed_ = false;
    if (room_holds) {
        // The room presents now: a meeting share it was shown gives way.
        send_share_to_room(false, "the room took the floor");
        check_content();
    } else {
        share_to_meeting(false, "the room released the floor");
        // A share the meeting kept in the main picture while the room presented goes to the
        // room's content display now.
        if (share_) on_share_content(true);
    }
}

void CallSession::watch_content() {
    content_timer_.start(kContentCheckMs, [this] { check_content(); });
}

void CallSession::check_content() {
    if (!media_ || !media_->content_active()) {
        share_to_meeting(false, "no content stream");
        return;  // apply_content() starts watching again when a content line comes
    }
    // With BFCP the floor says who presents; a room without BFCP presents by sending.
    const bool floor = !floor_ || !floor_->active() || floor_->room_holds_floor();
    const int64_t last = media_->content_last_rtp_ms();
    const bool flowing = last != 0 && monotonic_ms() - last < kContentIdleMs;
    if (floor && flowing && !content_to_meeting_ && !content_share_failed_) {
        share_to_meeting(true, "the room sends content");
    } else if (content_to_meeting_ && !flowing) {
        share_to_meeting(false, fmt::format("no content RTP for {} s", kContentIdleMs / 1000));
    } else if (content_to_meeting_ && !floor) {
        share_to_meeting(false, "the room does not hold the floor");
    }
    watch_content();
}

void CallSession::share_to_meeting(bool start, const std::string& why) {
    if (start == content_to_meeting_) return;
    // Asked again once joined, and once the page holds the content track (a link renegotiated
    // for a content line that came by re-INVITE waits for the page's answer).
    if (start && (!meeting_ || !meeting_->joined() || !meeting_->content_track_ready())) return;
    content_to_meeting_ = start;
    spdlog::info("gateway: sess={} content to the meeting {} ({})", id_,
                 start ? "started" : "stopped", why);
    if (!meeting_) return;
    meeting_->content_share(
        start, [this, alive = std::weak_ptr<bool>(alive_), start](core::Result<std::string> r) {
            if (alive.expired()) return;
            if (r) return;
            spdlog::warn("gateway: sess={} content share_{} failed: {}", id_,
                         start ? "start" : "stop", r.error().message);
            if (start && content_to_meeting_) {
                content_to_meeting_ = false;
                content_share_failed_ = true;
            }
        });
}

void CallSession::on_share_content(bool active) {
    if (!media_ || !media_->content_active() || media_->mode() != media::Mode::Bridge) {
        return;  // no content line: the share is the main picture (the compositor's)
    }
    if (active && state_.state() == SessionState::Ending) return;
    // The latest sharer wins (docs/content.md, "Two sharers"): a share that starts while the
    // room presents takes the floor from it.
    send_share_to_room(active, active ? "a share in the meeting" : "the meeting's share ended");
}

void CallSession::send_share_to_room(bool on, const std::string& why) {
    if (on == content_from_meeting_) return;
    content_from_meeting_ = on;
    spdlog::info("gateway: sess={} content to the room {} ({})", id_, on ? "started" : "stopped",
                 why);
    if (on) hold_content_floor(true);
    if (media_) {
        media_->send_content(on);
        // The room's decoder starts from a keyframe, not from wherever our encoder is.
        if (on) media_->send_content_keyframe();
    }
    if (meeting_) meeting_->send_content(on);
    if (!on) hold_content_floor(false);
}

void CallSession::hold_content_floor(bool hold) {
    // The room learns who presents from the FloorStatus naming the gateway's own user; the
    // floor server arbitrates with the room (the latest sharer wins, docs/content.md).
    if (!floor_ || !floor_->active()) return;
    spdlog::info("gateway: sess={} content floor {} by the gateway", id_,
                 hold ? "taken" : "released");
    if (hold)
        floor_->hold_for_gateway();
    else
        floor_->release_for_gateway();
}

}  // namespace gateway
