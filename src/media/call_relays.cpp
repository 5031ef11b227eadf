#include "media/call_relays.hpp"

#include <spdlog/spdlog.h>

namespace media {

core::Result<std::unique_ptr<CallRelays>> CallRelays::create(const TurnAccount& account,
                                                             const sip::LocalMediaPorts& local,
                                                             bool with_content,
                                                             const std::string& log_prefix,
                                                             uint32_t timeout_ms, Done done) {
    auto group = std::make_unique<CallRelays>(Key{}, log_prefix, std::move(done));
    if (auto st = group->allocate(account, local, AudioRtp, with_content ? Bfcp : VideoRtcp); !st)
        return st.error();
    group->start_timeout(timeout_ms);
    return group;
}

core::Status CallRelays::add_content(const TurnAccount& account, const sip::LocalMediaPorts& local,
                                     uint32_t timeout_ms, Done done) {
    if (done_ || finish_.active() || waiting_ != 0)
        return core::fail("turn: an allocation is under way");
    if (relays_[ContentRtp]) return core::fail("turn: the content line has its relays");
    done_ = std::move(done);
    if (auto st = allocate(account, local, ContentRtp, Bfcp); !st) {
        done_ = nullptr;
        for (auto slot : {ContentRtp, ContentRtcp, Bfcp}) relays_[slot].reset();
        waiting_ = 0;
        return st;
    }
    start_timeout(timeout_ms);
    return core::Ok{};
}

core::Status CallRelays::allocate(const TurnAccount& account, const sip::LocalMediaPorts& local,
                                  Slot first, Slot last) {
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
    for (size_t i = first; i <= static_cast<size_t>(last); ++i) {
        if (sockets[i].first == 0 && i != Bfcp) continue;  // no content line socket
        auto relay = TurnRelay::create(account, local.address, sockets[i].first, log_prefix_,
                                       sockets[i].second,
                                       [this](const core::Status& st) { on_relay_done(st); });
        if (!relay) return relay.error();
        relays_[i] = std::move(*relay);
        ++waiting_;
    }
    return core::Ok{};
}

void CallRelays::start_timeout(uint32_t timeout_ms) {
    // libre's STUN client retransmits for ~40 s before giving up; a caller does not wait that
    // long for an answer, so the call setup has its own deadline.
    timeout_.start(timeout_ms, [this, timeout_ms] {
        spdlog::warn("{} turn failed: no allocation within {} ms", log_prefix_, timeout_ms);
        finish(core::fail("turn failed: the TURN server did not answer within " +
                          std::to_string(timeout_ms) + " ms"));
    });
}

CallRelays::CallRelays(Key, std::string log_prefix, Done done)
    : log_prefix_(std::move(log_prefix)), done_(std::move(done)) {}

void CallRelays::on_relay_done(core::Status status) {
    if (!status) {
        finish(std::move(status));
        return;
    }
    if (waiting_ == 0) return;  // a late answer of a batch already over
    if (--waiting_ == 0) finish(core::Ok{});
}

void CallRelays::finish(core::Status status) {
    timeout_.cancel();
    waiting_ = 0;  // the batch is over, answered or not
    if (!done_ || finish_.active()) return;
    finish_.start(0, [this, status = std::move(status)] {
        auto done = std::move(done_);
        done_ = nullptr;
        // A content batch that failed leaves nothing half made: a later re-INVITE asks again.
        if (!status && relays_[ContentRtp] && relays_[AudioRtp] && relays_[AudioRtp]->allocated())
            for (auto slot : {ContentRtp, ContentRtcp, Bfcp}) relays_[slot].reset();
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
