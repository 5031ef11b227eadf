// What we encode toward a peer: the configured size/rate/bitrate, shrunk to what the peer said
// it can take (H.264 level and max-fs/max-mbps per RFC 6184, VP8 max-fs/max-fr per RFC 7741,
// b=AS/TIAS).
#pragma once

#include "core/config.hpp"
#include "sip/negotiated_media.hpp"

#include <cstdint>

namespace media {

struct VideoFormat {
    uint32_t width = 0;
    uint32_t height = 0;
    uint32_t fps = 0;
    uint32_t bitrate_kbps = 0;
};

VideoFormat choose_video_format(const core::MediaConfig& config, const sip::Codec& codec,
                                uint32_t peer_bandwidth_kbps);

}  // namespace media
