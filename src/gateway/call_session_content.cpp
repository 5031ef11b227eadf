// Content sharing of one call (docs/content.md): the BFCP floor control server and what the
// room's floor means for the call. Forwarding the content itself to the meeting
// (share_start/share_stop) is the next slice of issue 14.
#include "gateway/call_session.hpp"

#include "core/log.hpp"

namespace gateway {

std::unique_ptr<sip::FloorServer> CallSession::open_floor_server(const std::string& session_id,
                                                                 const media::CallMedia& media,
                                                                 sip::LocalMediaPorts& ports) {
    // No content line, no floor: relayed calls have none (the relay carries three streams'
    // worth of allocations already; content through TURN is for later).
    if (media.relayed() || media.local_ports().content_rtp == 0) return nullptr;
    // Bound where the media are (the public address, when set, is not ours to bind).
    auto floor = sip::FloorServer::open(media.local_ports().address, session_id, {});
    if (!floor) {
        spdlog::warn("gateway: sess={} no floor control server: {}", session_id,
                     floor.error().message);
        return nullptr;
    }
    if (const auto* identity = media.dtls_identity()) {
        if (auto tls = (*floor)->enable_tls(identity->pem); !tls.ok())
            spdlog::warn("gateway: sess={} no TCP/TLS/BFCP: {}", session_id, tls.error().message);
    }
    (*floor)->describe(ports);
    return std::move(*floor);
}

void CallSession::attach_floor(std::unique_ptr<sip::FloorServer> floor) {
    floor_ = std::move(floor);
    if (floor_) floor_->set_events({[this](bool holds) { on_content_floor(holds); }});
}

void CallSession::apply_content(const sip::NegotiatedMedia& media) {
    if (floor_) floor_->apply(media.bfcp);
}

void CallSession::on_content_floor(bool room_holds) {
    spdlog::info("gateway: sess={} content floor {} by the room", id_,
                 room_holds ? "taken" : "released");
}

}  // namespace gateway
