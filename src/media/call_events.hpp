// What a call's media tells the gateway, and how the gateway asks it to behave.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace media {

// Always invoked on the control thread (posted through core::ControlLoop).
struct CallEvents {
    std::function<void(char digit)> on_dtmf;  // RFC 4733, one call per key press
    std::function<void(const std::string& reason)> on_media_timeout;  // no RTP for media_timeout_s
    std::function<void(const std::string& reason)> on_error;          // pipeline failed
    // Our video decoder needs a keyframe but the peer offered neither PLI nor FIR feedback:
    // the gateway asks with SIP INFO picture_fast_update (RFC 5168).
    std::function<void()> on_keyframe_needed;
};

// Idle: sockets open, RTCP alive, no media sent. Ivr: generated picture and prompts
// (ivr_chain). Bridge: the call is joined to its meeting page's WebRTC link
// (media::MeetingBridge) through process-local channels.
enum class Mode { Echo, Idle, Ivr, Bridge };

struct StreamStats {
    uint64_t packets_in = 0;
    uint64_t bytes_in = 0;
    uint64_t packets_out = 0;
    uint64_t bytes_out = 0;
    int64_t packets_lost = 0;  // from the RTP session (RFC 3550 cumulative loss)
    double jitter_ms = 0;      // interarrival jitter of the peer's stream
    uint64_t frames_decoded = 0;
    uint64_t frames_encoded = 0;
    uint64_t keyframes_requested = 0;  // by us (PLI, FIR or SIP INFO)
    uint64_t keyframes_asked = 0;      // by the peer (PLI/FIR) or the gateway (send_keyframe)
    uint64_t keyframes_sent = 0;
    uint32_t bitrate_in_kbps = 0;   // since the previous stats() call
    uint32_t bitrate_out_kbps = 0;  // since the previous stats() call
    uint64_t dtmf_events = 0;
    uint64_t dtmf_dropped = 0;   // presses over the per-stream rate limit (dtmf_detector.hpp)
    uint64_t stray_packets = 0;  // datagrams not from the peer's bound source, or not RTP/RTCP
    std::optional<double> keyframe_round_trip_ms;  // our last request → keyframe received
    // Bridge passthrough: encoded frames forwarded to / from the meeting page (no decode or
    // encode in the gateway; frames_decoded/frames_encoded stay 0).
    bool passthrough = false;
    uint64_t frames_to_page = 0;
    uint64_t frames_from_page = 0;
    std::string relay;  // "host:port" of the TURN relay this stream goes through; empty: direct
    std::string protection = "none";  // none | sdes-srtp | dtls-srtp (sip::protection_name)
    std::string srtp_suite;           // e.g. AES_CM_128_HMAC_SHA1_80; empty: no SRTP
    // Datagrams srtpdec dropped (authentication or replay check failed); part of stray_packets.
    uint64_t srtp_auth_failures = 0;
};

}  // namespace media
