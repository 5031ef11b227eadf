#include "media/rtp_source_guard.hpp"

#include <algorithm>

namespace media {

namespace {

uint16_t read16(const uint8_t* p) {
    return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

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
    candidate_.reset();
    candidate_count_ = 0;
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
        if (rtp_bound_ != from) v.send_to = from;
        rtp_bound_ = from;
        candidate_.reset();
    } else if (rtp_bound_ && now_ms - rtp_heard_ms_ < kRelearnMs) {
        if (from != *rtp_bound_) return stray();
    } else {
        const uint16_t seq = read16(data + 2);
        if (!candidate_ || from != *candidate_ || seq != candidate_next_seq_) {
            candidate_ = from;
            candidate_count_ = 0;
        }
        candidate_next_seq_ = static_cast<uint16_t>(seq + 1);
        if (++candidate_count_ < kLearnPackets) {
            // Not bound yet: drop it, but it is no stray either until another source wins.
            return {};
        }
        if (rtp_bound_ != from) v.send_to = from;
        rtp_bound_ = from;
        rtcp_bound_.reset();
        candidate_.reset();
    }
    rtp_heard_ms_ = now_ms;
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
    } else if (rtp_bound_ && from.host == rtp_bound_->host) {
        // A NATed peer's RTCP comes from its own mapped port on the host RTP is bound to.
        v.send_to = from;
        rtcp_bound_ = from;
    } else {
        return stray();
    }
    v.accept = true;
    return v;
}

}  // namespace media
