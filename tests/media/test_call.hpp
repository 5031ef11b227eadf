// A gateway-side call for tests: an Engine on a TestLoop and the events it delivered.
#pragma once

#include "far_end.hpp"
#include "media/engine.hpp"
#include "test_loop.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace media_test {

inline core::MediaConfig test_config() {
    core::MediaConfig c;
    c.address = "127.0.0.1";
    c.rtp_port_min = 40000;
    c.rtp_port_max = 49999;
    c.video_width = 256;  // not what the far end sends (320x240): proves we re-encode
    c.video_height = 192;
    c.video_fps = 15;
    c.video_bitrate_kbps = 300;
    return c;
}

struct Call {
    TestLoop loop;
    media::Engine engine;
    std::unique_ptr<media::CallMedia> call;
    std::vector<char> digits;
    std::vector<std::string> errors;
    std::vector<std::string> timeouts;
    int keyframe_needed = 0;

    explicit Call(const core::MediaConfig& cfg) : engine(cfg, core::TurnConfig{}, loop.loop()) {
        media::CallEvents ev;
        ev.on_dtmf = [this](char d) { digits.push_back(d); };
        ev.on_error = [this](const std::string& r) { errors.push_back(r); };
        ev.on_media_timeout = [this](const std::string& r) { timeouts.push_back(r); };
        ev.on_keyframe_needed = [this] { keyframe_needed++; };
        auto c = engine.create_call("t1", "127.0.0.1", std::move(ev));
        EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
        if (c.ok()) call = std::move(c.value());
    }
};

// Tone check on the last second of what came back: the sent frequency dominates, another does
// not, and it is loud enough that silence fails.
inline void expect_tone(const std::vector<int16_t>& all, double hz) {
    ASSERT_GE(all.size(), 16000U) << "less than 1 s of audio came back";
    std::vector<int16_t> tail(all.end() - 16000, all.end());
    EXPECT_GT(rms(tail), 500.0) << "returned audio is (near) silent";
    EXPECT_GT(tone_share(tail, hz, 16000), 0.5) << "returned audio is not the " << hz << " Hz tone";
    EXPECT_LT(tone_share(tail, hz * 1.37, 16000), 0.1);
}

}  // namespace media_test
