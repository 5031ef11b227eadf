#include "media/video_format.hpp"

#include <algorithm>
#include <charconv>
#include <string>

namespace media {

namespace {

struct LevelLimits {
    unsigned level_idc;
    uint32_t max_fs;    // macroblocks per frame
    uint32_t max_mbps;  // macroblocks per second
};

// ITU-T H.264 Table A-1.
constexpr LevelLimits kH264Levels[] = {
    {10, 99, 1485},     {11, 396, 3000},     {12, 396, 6000},     {13, 396, 11880},
    {20, 396, 11880},   {21, 792, 19800},    {22, 1620, 20250},   {30, 1620, 40500},
    {31, 3600, 108000}, {32, 5120, 216000},  {40, 8192, 245760},  {41, 8192, 245760},
    {42, 8704, 522240}, {50, 22080, 589824}, {51, 36864, 983040}, {52, 36864, 2073600},
};

uint32_t param_u32(const sip::Codec& codec, const std::string& key) {
    auto it = codec.remote_params.find(key);
    if (it == codec.remote_params.end()) return 0;
    uint32_t v = 0;
    const auto& s = it->second;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() ? v : 0;
}

uint32_t macroblocks(uint32_t w, uint32_t h) {
    return ((w + 15) / 16) * ((h + 15) / 16);
}

}  // namespace

VideoFormat choose_video_format(const core::MediaConfig& config, const sip::Codec& codec,
                                uint32_t peer_bandwidth_kbps) {
    VideoFormat f{config.video_width, config.video_height, config.video_fps,
                  config.video_bitrate_kbps};
    uint32_t max_fs = 0;
    uint32_t max_mbps = 0;
    uint32_t max_fr = 0;
    if (codec.name == "H264") {
        unsigned level = 31;  // RFC 6184 default profile-level-id is 420010 (level 1.0); peers
                              // that omit it in practice handle 3.1, as every WebRTC stack does
        auto it = codec.remote_params.find("profile-level-id");
        if (it != codec.remote_params.end() && it->second.size() == 6) {
            level = static_cast<unsigned>(std::stoul(it->second.substr(4, 2), nullptr, 16));
        }
        for (const auto& l : kH264Levels) {
            if (l.level_idc <= level) {
                max_fs = l.max_fs;
                max_mbps = l.max_mbps;
            }
        }
        // max-fs/max-mbps only ever raise the level's limits (RFC 6184 §8.1).
        max_fs = std::max(max_fs, param_u32(codec, "max-fs"));
        max_mbps = std::max(max_mbps, param_u32(codec, "max-mbps"));
    } else {
        max_fs = param_u32(codec, "max-fs");
        max_fr = param_u32(codec, "max-fr");
    }
    if (max_fs > 0 && macroblocks(f.width, f.height) > max_fs) {
        // Keep the aspect ratio; step the width down by macroblocks until the frame fits.
        const double aspect = static_cast<double>(f.height) / f.width;
        uint32_t w = f.width;
        uint32_t h = f.height;
        while (w > 16) {
            w -= 16;
            h = static_cast<uint32_t>(w * aspect) & ~1U;
            if (macroblocks(w, h) <= max_fs) break;
        }
        f.width = w;
        f.height = std::max<uint32_t>(h, 16);
    }
    if (max_mbps > 0) {
        const uint32_t fps_cap = max_mbps / macroblocks(f.width, f.height);
        f.fps = std::clamp<uint32_t>(fps_cap, 1, f.fps);
    }
    if (max_fr > 0) f.fps = std::min(f.fps, max_fr);
    if (peer_bandwidth_kbps > 0) f.bitrate_kbps = std::min(f.bitrate_kbps, peer_bandwidth_kbps);
    f.bitrate_kbps = std::max<uint32_t>(f.bitrate_kbps, 64);
    return f;
}

}  // namespace media
