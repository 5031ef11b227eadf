// Decides which datagrams on a call's RTP/RTCP sockets come from the peer (strict RTP).
// The sockets are open to anyone, so a packet counts only when it parses as RTP (version 2, a
// negotiated payload type) or RTCP, and comes from the source the stream is bound to:
// - the address and port the SDP named always win, at once;
// - otherwise (a NATed peer) the guard learns a source from kLearnPackets valid RTP packets in
//   sequence from one address, and is bound to it from then on;
// - RTCP (without rtcp-mux) comes from the SDP's RTCP port, or from the bound RTP host with a
//   sender SSRC that source uses;
// - a bound source is never taken over by another one; only the SDP address, a re-INVITE
//   (expect()) or kRelearnMs of silence from the bound source lets the guard learn again.
// Everything else is a stray: dropped and counted, never acted on (no latch, no DTMF, no new
// SSRC in rtpbin). Pure logic so it is unit-tested; media_stream.cpp feeds it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace media {

struct PacketSource {
    std::string host;
    uint16_t port = 0;
    bool operator==(const PacketSource&) const = default;
};

// RFC 3550 §5.1 header with CSRCs and extension inside the datagram, padding consistent.
bool valid_rtp(const uint8_t* data, size_t size);
// RFC 3550 §6.4: version 2, a packet type 192-223 (RFC 5761 §4), lengths inside the datagram.
bool valid_rtcp(const uint8_t* data, size_t size);

class RtpSourceGuard {
public:
    static constexpr int kLearnPackets = 3;
    static constexpr int64_t kRelearnMs = 5000;

    struct Verdict {
        bool accept = false;
        // Where our packets toward the peer should go from now on, when that changed.
        std::optional<PacketSource> send_to;
        // Not accepted yet: the source is still being learned. The caller may keep the packet
        // (a NATed peer's first packets are its SPS/PPS) and let it through if `learned` later
        // names this source.
        bool learning = false;
        // This packet bound its source by learning: packets kept from it may now pass first.
        bool learned = false;
    };

    // A new negotiation (call start or re-INVITE): what the SDP said and which payload types
    // the peer may send. Forgets the bound sources.
    void expect(PacketSource sdp_rtp, PacketSource sdp_rtcp, std::vector<uint8_t> payload_types);

    Verdict on_rtp(const PacketSource& from, const uint8_t* data, size_t size, int64_t now_ms);
    // RTCP on its own socket (no rtcp-mux), or demultiplexed from the RTP socket (`muxed`).
    Verdict on_rtcp(const PacketSource& from, const uint8_t* data, size_t size, bool muxed,
                    int64_t now_ms);

    [[nodiscard]] uint64_t strays() const { return strays_; }
    [[nodiscard]] const std::optional<PacketSource>& bound_rtp() const { return rtp_bound_; }

private:
    Verdict stray();
    [[nodiscard]] bool has_payload_type(uint8_t pt) const;

    PacketSource sdp_rtp_, sdp_rtcp_;
    std::vector<uint8_t> payload_types_;
    std::optional<PacketSource> rtp_bound_, rtcp_bound_;
    // SSRCs the bound RTP source used: RTCP from a NATed peer's other port must carry one.
    std::vector<uint32_t> bound_ssrcs_;
    int64_t rtp_heard_ms_ = 0;
    // Learning: sources seen since the last binding, each with the sequence number it must
    // send next; bounded, so a spray from many ports cannot grow it (see learn()).
    struct Candidate {
        PacketSource source;
        uint16_t next_seq = 0;
        int in_sequence = 0;
    };
    static constexpr size_t kMaxCandidates = 32;
    bool learn(const PacketSource& from, uint16_t seq);
    std::vector<Candidate> candidates_;
    uint64_t strays_ = 0;
};

}  // namespace media
