#include "media/rtp_source_guard.hpp"

#include <algorithm>

namespace media {

namespace {

uint16_t read16(const uint8_t* p) {
    return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

uint32_t read32(const uint8_t* p) {
    return (static_cast<uint32_t>(read16(p)) << 16) | read16(p + 2);
}

constexpr size_t kMaxBoundSsrcs = 8;

}  // namespace

bool valid_rtp(const uint8_t* data, size_t size) {
    if (data == nullptr || size < 12 || (data[0] >> 6) != 2) return false;
    // Marker + payload type 64-95 is where RTCP lives under rtcp-mux (RFC 5761 §4).
    if (data[1] >= 192 && data[1] <= 223) return false;
    size_t header = 12 + 4 * static_cast<size_t>(data[0] & 0x0f);
    if (header > size) return false;
    if ((data[0] & 0x10) != 0) {
        if (header + 4 > size) return false;
        header += 4 + 4 * static_cast<size_t>(read16(data + header + 2));
        if (header > size) return false;
    }
    if ((data[0] & 0x20) != 0) {
        const size_t padding = data[size - 1];
        if (padding == 0 || header + padding > size) return false;
    }
    return true;
}

bool valid_rtcp(const uint8_t* data, size_t size) {
    if (data == nullptr || size < 8) return false;
    // A compound packet: every part version 2 with a sane type and a length inside the datagram.
    size_t offset = 0;
    while (offset < size) {
        if (size - offset < 4) return false;
        const uint8_t* p = data + offset;
        if ((p[0] >> 6) != 2 || p[1] < 192 || p[1] > 223) return false;
        offset += 4 * (static_cast<size_t>(read16(p + 2)) + 1);
    }
    return offset == size;
}

void RtpSourceGuard::expect(PacketSource sdp_rtp, PacketSource sdp_rtcp,
                            std::vector<uint8_t> payload_types) {
    sdp_rtp_ = std::move(sdp_rtp);
    sdp_rtcp_ = std::move(sdp_rtcp);
    payload_types_ = std::move(payload_types);
    rtp_bound_.reset();
    rtcp_bound_.reset();
    bound_ssrcs_.clear();
    candidates_.clear();
}

bool RtpSourceGuard::learn(const PacketSource& from, uint16_t seq) {
    auto it = std::find_if(candidates_.begin(), candidates_.end(),
                           [&](const Candidate& c) { return c.source == from; });
    if (it == candidates_.end()) {
        if (candidates_.size() == kMaxCandidates) {
            // Evict the oldest of the least advanced: the peer, one packet in, is pushed out
            // only by kMaxCandidates new sources before its next packet (20 ms away).
            auto victim = candidates_.begin();
            for (auto c = candidates_.begin(); c != candidates_.end(); ++c) {
                if (c->in_sequence < victim->in_sequence) victim = c;
            }
            candidates_.erase(victim);
        }
        candidates_.push_back({from, static_cast<uint16_t>(seq + 1), 1});
        return kLearnPackets <= 1;
    }
    it->in_sequence = seq == it->next_seq ? it->in_sequence + 1 : 1;
    it->next_seq = static_cast<uint16_t>(seq + 1);
    return it->in_sequence >= kLearnPackets;
}

bool RtpSourceGuard::has_payload_type(uint8_t pt) const {
    return std::find(payload_types_.begin(), payload_types_.end(), pt) != payload_types_.end();
}

RtpSourceGuard::Verdict RtpSourceGuard::stray() {
    ++strays_;
    return {};
}

RtpSourceGuard::Verdict RtpSourceGuard::on_rtp(const PacketSource& from, const uint8_t* data,
                                               size_t size, int64_t now_ms) {
    if (!valid_rtp(data, size) || !has_payload_type(data[1] & 0x7f)) return stray();
    Verdict v;
    if (from == sdp_rtp_) {
        if (rtp_bound_ != from) {
            v.send_to = from;
            bound_ssrcs_.clear();
        }
        rtp_bound_ = from;
        candidates_.clear();
    } else if (rtp_bound_ && now_ms - rtp_heard_ms_ < kRelearnMs) {
        if (from != *rtp_bound_) return stray();
    } else {
        if (!learn(from, read16(data + 2))) {
            // Not bound yet: dropped, but no stray either until another source wins.
            v.learning = true;
            return v;
        }
        v.learned = true;
        if (rtp_bound_ != from) v.send_to = from;
        rtp_bound_ = from;
        rtcp_bound_.reset();
        bound_ssrcs_.clear();
        candidates_.clear();
    }
    rtp_heard_ms_ = now_ms;
    const uint32_t ssrc = read32(data + 8);
    if (std::find(bound_ssrcs_.begin(), bound_ssrcs_.end(), ssrc) == bound_ssrcs_.end()) {
        if (bound_ssrcs_.size() == kMaxBoundSsrcs) bound_ssrcs_.erase(bound_ssrcs_.begin());
        bound_ssrcs_.push_back(ssrc);
    }
    v.accept = true;
    return v;
}

RtpSourceGuard::Verdict RtpSourceGuard::on_rtcp(const PacketSource& from, const uint8_t* data,
                                                size_t size, bool muxed, int64_t now_ms) {
    (void)now_ms;
    if (!valid_rtcp(data, size)) return stray();
    if (muxed) {
        // Same socket as RTP: only the source RTP is bound to (or the SDP's) may send it, and
        // the RTCP destination follows RTP's.
        if (from == sdp_rtp_ || (rtp_bound_ && from == *rtp_bound_)) return {true, {}};
        return stray();
    }
    Verdict v;
    if (from == sdp_rtcp_) {
        if (rtcp_bound_ != from) v.send_to = from;
        rtcp_bound_ = from;
    } else if (rtcp_bound_) {
        if (from != *rtcp_bound_) return stray();
    } else if (rtp_bound_ && from.host == rtp_bound_->host &&
               std::find(bound_ssrcs_.begin(), bound_ssrcs_.end(), read32(data + 4)) !=
                   bound_ssrcs_.end()) {
        // A NATed peer's RTCP comes from its own mapped port on the host RTP is bound to, and
        // speaks for the stream that source sends.
        v.send_to = from;
        rtcp_bound_ = from;
    } else {
        return stray();
    }
    v.accept = true;
    return v;
}

}  // namespace media
