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

}  // namespace media
