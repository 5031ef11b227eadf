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

// The content line's channels (docs/content.md) are the main video's under this session name,
// so both ends derive every content channel (raw and encoded) the same way.
inline std::string content_bridge_session(const std::string& session_id) {
    return session_id + ".content";
}

}  // namespace media
