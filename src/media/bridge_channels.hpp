// Names of the process-local channels (intervideo*/interaudio*) that join a call's SIP pipeline
// to its meeting page's WebRTC link pipeline. One place, so both ends agree.
#pragma once

#include <string>

namespace media {

enum class BridgeDirection { ToPage, FromPage };

inline std::string bridge_channel(const std::string& session_id, bool video,
                                  BridgeDirection direction) {
    return "smgw." + session_id + (video ? ".video." : ".audio.") +
           (direction == BridgeDirection::ToPage ? "to-page" : "from-page");
}

// The audio end of a channel, read in periods of `period_ms`: 20 toward the caller (the packets
// it gets: its usual ptime); toward the page 10, since the link's Opus encoder makes 20 ms frames
// from any period and a shorter one halves the wait for the source's next tick (the caller's
// transcoded beep left for the page about 12 ms sooner: bench/meeting/README.md).
// interaudiosrc takes at most one period per period of its clock and plays silence when
// the channel is short; whatever a late producer then delivers in a burst stays queued, so each
// stall of the producer (a loaded host, the link starting) would add its length to the delay
// for the rest of the call, up to the element's default 1 s. The channel keeps at most 60 ms
// (the producer's packets and a stall's catch-up); past that its oldest audio is dropped, which
// is heard once instead of as a delay that stays. Measured: bench/meeting/README.md.
inline std::string bridge_audio_source(const std::string& channel, int period_ms = 20) {
    const std::string period = std::to_string(period_ms * 1'000'000LL);  // ns
    return "interaudiosrc channel=" + channel + " period-time=" + period +
           " buffer-time=60000000 latency-time=" + period;
}

// The content line's channels (docs/content.md) are the main video's under this session name,
// so both ends derive every content channel (raw and encoded) the same way.
inline std::string content_bridge_session(const std::string& session_id) {
    return session_id + ".content";
}

}  // namespace media
