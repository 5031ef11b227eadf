// RFC 4733 telephone-event → one digit per key press.
// A sender repeats every event packet while the key is down and sends the end packet three
// times; all of them carry the event's start timestamp, so the timestamp identifies the press.
// Durations are not used: their unit is the RTP clock, which peers get wrong (8000 vs 48000).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace media {

// 0-9 → '0'-'9', 10 → '*', 11 → '#', 12-15 → 'A'-'D'; other events (flash, tones) → nullopt.
std::optional<char> dtmf_event_char(uint8_t event);

class DtmfDetector {
public:
    // `payload` is the RTP payload of one telephone-event packet. Returns the digit the first
    // time a press is seen (whichever of its packets arrives first), nullopt otherwise.
    std::optional<char> on_packet(uint32_t rtp_timestamp, const uint8_t* payload, size_t size);
    void reset() { seen_ = false; }

private:
    bool seen_ = false;
    uint32_t last_timestamp_ = 0;
    uint8_t last_event_ = 0;
};

}  // namespace media
