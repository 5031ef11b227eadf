// RFC 4733 telephone-event → one digit per key press.
// A sender repeats every event packet while the key is down and sends the end packet three
// times; all of them carry the event's start timestamp, so the timestamp identifies the press
// (§2.5.1.2): a packet with a timestamp already seen is part of that press, whatever event code
// it claims. Durations are not used: their unit is the RTP clock, which peers get wrong (8000 vs
// 48000).
// A hostile sender can still make every packet a new press by changing the timestamp, so presses
// are rate-limited per stream: a burst of kBurst, then kPerSecond; the rest are dropped and
// counted (finding 4 of the 2026-12 review: one log line and one control-thread event per packet).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace media {

// 0-9 → '0'-'9', 10 → '*', 11 → '#', 12-15 → 'A'-'D'; other events (flash, tones) → nullopt.
std::optional<char> dtmf_event_char(uint8_t event);

class DtmfDetector {
public:
    static constexpr uint32_t kBurst = 16;     // a room number typed fast, plus '#'
    static constexpr uint32_t kPerSecond = 8;  // faster than any hand on a keypad

    // `payload` is the RTP payload of one telephone-event packet, `now_ms` a monotonic clock.
    // Returns the digit the first time a press is seen (whichever of its packets arrives
    // first), nullopt otherwise.
    std::optional<char> on_packet(uint32_t rtp_timestamp, const uint8_t* payload, size_t size,
                                  int64_t now_ms);
    void reset();
    // Presses dropped by the rate limit since start.
    [[nodiscard]] uint64_t dropped() const { return dropped_; }

private:
    [[nodiscard]] bool seen(uint32_t timestamp) const;
    bool take_token(int64_t now_ms);

    // Recent presses: reordered or late packets of an earlier press must not count again.
    std::array<uint32_t, 8> recent_{};
    size_t recent_count_ = 0;
    size_t recent_next_ = 0;
    double tokens_ = kBurst;
    int64_t tokens_at_ms_ = -1;
    uint64_t dropped_ = 0;
};

}  // namespace media
