#include "media/call_relays.hpp"

#include <spdlog/spdlog.h>

namespace media {

core::Result<std::unique_ptr<CallRelays>> CallRelays::create(const TurnAccount& account,
                                                             const sip::LocalMediaPorts& local,
                                                             bool with_content,
                                                             const std::string& log_prefix,
                                                             uint32_t timeout_ms, Done done) {
    auto group = std::make_unique<CallRelays>(Key{}, log_prefix, std::move(done));
    // The BFCP relay's local socket is named later (serve_bfcp()): the floor control server
    // is opened with the answer, after the relays.
    const std::array<std::pair<uint16_t, const char*>, Count> sockets{{
        {local.audio_rtp, "audio-rtp"},
        {local.audio_rtcp, "audio-rtcp"},
        {local.video_rtp, "video-rtp"},
        {local.video_rtcp, "video-rtcp"},
        {local.content_rtp, "content-rtp"},
        {local.content_rtcp, "content-rtcp"},
        {0, "bfcp"},
    }};
    CallRelays* self = group.get();
    for (size_t i = 0; i < Count; ++i) {
        if (sockets[i].first == 0 && i != Bfcp) continue;  // no content line socket
        if (!with_content && (i == ContentRtp || i == ContentRtcp || i == Bfcp)) continue;
        auto relay = TurnRelay::create(account, local.address, sockets[i].first, log_prefix,
                                       sockets[i].second,
                                       [self](const core::Status& st) { self->on_relay_done(st); });
        if (!relay) return relay.error();
        group->relays_[i] = std::move(*relay);
        ++group->waiting_;
    }
    // libre's STUN client retransmits for ~40 s before giving up; a caller does not wait that
    // long for an answer, so the call setup has its own deadline.
    group->timeout_.start(timeout_ms, [self, timeout_ms] {
        spdlog::warn("{} turn failed: no allocation within {} ms", self->log_prefix_, timeout_ms);
        self->finish(core::fail("turn failed: the TURN server did not answer within " +
                                std::to_string(timeout_ms) + " ms"));
    });
    return group;
}

CallRelays::CallRelays(Key, std::string log_prefix, Done done)
    : log_prefix_(std::move(log_prefix)), done_(std::move(done)) {}

void CallRelays::on_relay_done(core::Status status) {
    if (!status) {
        finish(std::move(status));
        return;
    }
    if (--waiting_ == 0) finish(core::Ok{});
}

void CallRelays::finish(core::Status status) {
    timeout_.cancel();
    if (!done_ || finish_.active()) return;
    finish_.start(0, [this, status = std::move(status)] {
        auto done = std::move(done_);
        done_ = nullptr;
        if (done) done(status);  // may destroy this object
    });
}

sip::LocalMediaPorts CallRelays::relayed_ports() const {
    sip::LocalMediaPorts p;
    if (!relays_[AudioRtp]) return p;
    p.address = relays_[AudioRtp]->relay_host();
    p.audio_rtp = relays_[AudioRtp]->relay_port();
    p.audio_rtcp = relays_[AudioRtcp]->relay_port();
    p.video_rtp = relays_[VideoRtp]->relay_port();
    p.video_rtcp = relays_[VideoRtcp]->relay_port();
    if (relays_[ContentRtp]) {
        p.content_rtp = relays_[ContentRtp]->relay_port();
        p.content_rtcp = relays_[ContentRtcp]->relay_port();
    }
    for (const auto& r : relays_) {
        if (!r) continue;
        // One c= line serves every stream; a server with several relay IPs could split them.
        if (r->relay_host() != p.address)
            spdlog::warn("{} turn relays on different addresses ({} and {}): the SDP carries {}",
                         log_prefix_, p.address, r->relay_host(), p.address);
    }
    return p;
}

std::string CallRelays::relay_of(sip::MediaKind kind) const {
    const auto& r = relays_[kind == sip::MediaKind::Audio ? AudioRtp : VideoRtp];
    if (!r || !r->allocated()) return {};
    return r->relay_host() + ":" + std::to_string(r->relay_port());
}

std::string CallRelays::content_relay() const {
    const auto& r = relays_[ContentRtp];
    if (!r || !r->allocated()) return {};
    return r->relay_host() + ":" + std::to_string(r->relay_port());
}

uint16_t CallRelays::serve_bfcp(uint16_t local_port) {
    auto& r = relays_[Bfcp];
    if (!r || !r->allocated() || local_port == 0) return 0;
    r->set_media_port(local_port);
    return r->relay_port();
}

std::optional<sip::NegotiatedBfcp> CallRelays::route_bfcp(
    const std::optional<sip::NegotiatedBfcp>& bfcp) {
    // TCP and TLS never get here (the answer refuses them: a UDP allocation cannot carry them).
    if (!bfcp || bfcp->transport != sip::BfcpTransport::Udp || bfcp->remote_port == 0 ||
        !relays_[Bfcp])
        return bfcp;
    auto routed = *bfcp;
    relays_[Bfcp]->set_peer(routed.remote_address, routed.remote_port);
    routed.remote_address = relays_[Bfcp]->local_host();
    routed.remote_port = relays_[Bfcp]->local_port();
    return routed;
}

void CallRelays::route_stream(std::optional<sip::NegotiatedStream>& stream, Slot rtp, Slot rtcp) {
    if (!stream || stream->remote_rtp_port == 0) return;
    auto& s = *stream;
    relays_[rtp]->set_peer(s.remote_address, s.remote_rtp_port);
    const uint16_t peer_rtcp = s.rtcp_mux ? s.remote_rtp_port
                               : s.remote_rtcp_port != 0
                                   ? s.remote_rtcp_port
                                   : static_cast<uint16_t>(s.remote_rtp_port + 1);
    if (!s.rtcp_mux) relays_[rtcp]->set_peer(s.remote_address, peer_rtcp);
    s.remote_address = relays_[rtp]->local_host();
    s.remote_rtp_port = relays_[rtp]->local_port();
    s.remote_rtcp_port = s.rtcp_mux ? s.remote_rtp_port : relays_[rtcp]->local_port();
}

sip::NegotiatedMedia CallRelays::route(const sip::NegotiatedMedia& media) {
    sip::NegotiatedMedia routed = media;
    route_stream(routed.audio, AudioRtp, AudioRtcp);
    route_stream(routed.video, VideoRtp, VideoRtcp);
    if (relays_[ContentRtp]) route_stream(routed.content, ContentRtp, ContentRtcp);
    return routed;
}

}  // namespace media
