// What baresip recorded of a call (its sndfile module's WAV), and how much of it is one tone:
// shared by the echo tests over clear RTP, SRTP and a TURN relay.
#pragma once

#include "support/tone.hpp"
#include "support/wait.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace testsupport {

struct Wav {
    uint32_t rate = 0;
    uint16_t channels = 0;
    std::vector<int16_t> mono;  // first channel
};

// Minimal RIFF reader for the 16-bit PCM files baresip's sndfile module writes.
inline std::optional<Wav> read_wav(const std::filesystem::path& path) {
    std::ifstream f(path, std::ios::binary);
    std::vector<char> b((std::istreambuf_iterator<char>(f)), {});
    if (b.size() < 12) return std::nullopt;
    auto u32 = [&](size_t o) {
        return static_cast<uint32_t>(static_cast<uint8_t>(b[o])) |
               static_cast<uint32_t>(static_cast<uint8_t>(b[o + 1])) << 8 |
               static_cast<uint32_t>(static_cast<uint8_t>(b[o + 2])) << 16 |
               static_cast<uint32_t>(static_cast<uint8_t>(b[o + 3])) << 24;
    };
    Wav w;
    size_t off = 12;
    while (off + 8 <= b.size()) {
        const std::string id(&b[off], 4);
        size_t len = u32(off + 4);
        if (id == "fmt " && off + 16 <= b.size()) {
            w.channels = static_cast<uint16_t>(static_cast<uint8_t>(b[off + 10]) |
                                               static_cast<uint8_t>(b[off + 11]) << 8);
            w.rate = u32(off + 12);
        } else if (id == "data") {
            // A recording still being written may carry a 0 or stale length: read to the end.
            len = b.size() - off - 8;
            const size_t frames = len / 2 / std::max<uint16_t>(w.channels, 1);
            for (size_t i = 0; i < frames; ++i) {
                const size_t o = off + 8 + i * 2 * std::max<uint16_t>(w.channels, 1);
                w.mono.push_back(static_cast<int16_t>(static_cast<uint8_t>(b[o]) |
                                                      static_cast<uint8_t>(b[o + 1]) << 8));
            }
            return w;
        }
        off += 8 + len + (len & 1);
    }
    return std::nullopt;
}

// The last second of a recording, once it holds `min_seconds` (before that it may still be the
// call's start: silence, or what came before the echo); empty until then.
inline std::vector<int16_t> last_second(const Wav& w, uint32_t min_seconds = 4) {
    if (w.rate == 0 || w.mono.size() < static_cast<size_t>(w.rate) * min_seconds) return {};
    return {w.mono.end() - w.rate, w.mono.end()};
}

inline std::optional<std::filesystem::path> find_recording(const std::filesystem::path& dir) {
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        const auto name = e.path().filename().string();
        if (name.rfind("dump", 0) == 0 && name.find("-dec.wav") != std::string::npos) {
            return e.path();
        }
    }
    return std::nullopt;
}

// The caller's recording once it holds `min_seconds` (within 30 s); nothing if it never does.
inline std::optional<Wav> wait_for_recording(const std::filesystem::path& config_dir,
                                             uint32_t min_seconds = 4) {
    std::optional<Wav> wav;
    const bool enough = wait_until(
        [&] {
            auto path = find_recording(config_dir);
            if (!path) return false;
            wav = read_wav(*path);
            return wav && !last_second(*wav, min_seconds).empty();
        },
        std::chrono::seconds(30), std::chrono::milliseconds(250));
    if (!enough) return std::nullopt;
    return wav;
}

// The echo tests' [media] picture: baresip reports receiving 320 x 240.
inline constexpr const char* kEchoMediaToml =
    "[media]\nvideo_width = 320\nvideo_height = 240\nvideo_fps = 15\nvideo_bitrate_kbps = 400\n";

// The last second of the caller's recording is its 1000 Hz tone back from the echo room, loud
// enough that silence fails.
inline void expect_echoed_tone(const std::filesystem::path& config_dir) {
    const auto wav = wait_for_recording(config_dir);
    EXPECT_TRUE(wav) << "no 4 s recording of the echoed audio";
    if (!wav) return;
    const auto tail = last_second(*wav);
    EXPECT_GT(rms(tail), 300.0) << "echo is silent";
    EXPECT_GT(tone_share(tail, 1000, wav->rate), 0.5) << "echo is not the 1000 Hz tone";
}

}  // namespace testsupport
