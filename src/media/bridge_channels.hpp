// Names of the process-local channels (intervideo*/interaudio*, EncodedChannel) that join a
// call's SIP pipeline to its meeting page's WebRTC link pipeline. One place, so both ends agree.
#pragma once

#include <string>

namespace media {

enum class BridgeDirection { ToPage, FromPage };

inline std::string bridge_channel(const std::string& session_id, bool video,
                                  BridgeDirection direction) {
    return "smgw." + session_id + (video ? ".video." : ".audio.") +
           (direction == BridgeDirection::ToPage ? "to-page" : "from-page");
}

// The page's audio toward the caller, read in 20 ms periods (the packets the caller gets: its
// usual ptime). interaudiosrc takes at most one period per period of its clock and plays
// silence when the channel is short, so the caller's RTP never stops; whatever a late producer
// then delivers in a burst stays queued, so each stall of the producer (a loaded host, the link
// starting) would add its length to the delay for the rest of the call, up to the element's
// default 1 s. The channel keeps at most 60 ms (the producer's packets and a stall's catch-up);
// past that its oldest audio is dropped, which is heard once instead of as a delay that stays.
// The caller's audio toward the page does not take this road: it reaches the link's encoder as
// it arrives (EncodedChannel), since a queue that only grows cost up to 60 ms there
// (bench/meeting/README.md).
inline std::string bridge_audio_source(const std::string& channel) {
    const std::string period = std::to_string(20'000'000LL);  // ns
    return "interaudiosrc channel=" + channel + " period-time=" + period +
           " buffer-time=60000000 latency-time=" + period;
}

// The content line's channels (docs/content.md) are the main video's under this session name,
// so both ends derive every content channel (raw and encoded) the same way.
inline std::string content_bridge_session(const std::string& session_id) {
    return session_id + ".content";
}

}  // namespace media
