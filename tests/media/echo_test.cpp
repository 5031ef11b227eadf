// The echo room against real GStreamer far ends: the tone and the pictures a peer sends come
// back through our full decode/encode path, at the right frequency and at our configured size.
#include "far_end.hpp"
#include "media/engine.hpp"
#include "test_loop.hpp"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

namespace media_test {
namespace {

core::MediaConfig test_config() {
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
void expect_tone(const std::vector<int16_t>& all, double hz) {
    ASSERT_GE(all.size(), 16000U) << "less than 1 s of audio came back";
    std::vector<int16_t> tail(all.end() - 16000, all.end());
    EXPECT_GT(rms(tail), 500.0) << "returned audio is (near) silent";
    EXPECT_GT(tone_share(tail, hz, 16000), 0.5) << "returned audio is not the " << hz << " Hz tone";
    EXPECT_LT(tone_share(tail, hz * 1.37, 16000), 0.1);
}

using EchoParam = std::tuple<std::string, std::string, bool>;  // audio, video, h264 mode 1

std::string param_name(const ::testing::TestParamInfo<EchoParam>& info) {
    const std::string& v = std::get<1>(info.param);
    const bool mode1 = std::get<2>(info.param);
    return std::get<0>(info.param) + "_" + v + (v == "H264" ? (mode1 ? "_mode1" : "_mode0") : "");
}

class EchoRoom : public ::testing::TestWithParam<EchoParam> {};

TEST_P(EchoRoom, ToneAndVideoComeBackThroughDecodeAndEncode) {
    const auto& [audio, video, mode1] = GetParam();
    Call c(test_config());
    ASSERT_TRUE(c.call);
    FarEnd far({.audio_codec = audio, .video_codec = video, .h264_mode1 = mode1, .tone_hz = 1000});
    const auto ports = c.call->local_ports();
    ASSERT_TRUE(far.start(ports).ok());
    auto st = c.call->start(far.negotiated(ports), media::Mode::Echo);
    ASSERT_TRUE(st.ok()) << st.error().message;

    const bool done = c.loop.run_until(
        [&] { return far.audio_samples().size() >= 16000 * 3 && far.video_frames() >= 30; },
        30000);
    EXPECT_TRUE(done) << "audio samples " << far.audio_samples().size() << ", video frames "
                      << far.video_frames();
    expect_tone(far.audio_samples(), 1000);
    EXPECT_GE(far.video_frames(), 30);
    EXPECT_EQ(far.video_width(), 256);
    EXPECT_EQ(far.video_height(), 192);
    if (video == "H264" && !mode1) {
        EXPECT_EQ(far.fu_a_packets(), 0) << "packetization-mode=0 forbids FU-A";
        EXPECT_EQ(far.stap_a_packets(), 0) << "packetization-mode=0 forbids STAP-A";
    }
    EXPECT_TRUE(c.errors.empty()) << c.errors.front();
    const auto s = c.call->stats();
    ASSERT_TRUE(s.audio && s.video);
    EXPECT_GT(s.audio->packets_in, 50U);
    EXPECT_GT(s.audio->packets_out, 50U);
    EXPECT_GE(s.video->frames_decoded, 15U);
    EXPECT_GE(s.video->frames_encoded, 30U);
    EXPECT_GE(s.video->keyframes_sent, 1U);
}

INSTANTIATE_TEST_SUITE_P(Codecs, EchoRoom,
                         ::testing::Values(EchoParam{"PCMU", "H264", false},
                                           EchoParam{"opus", "H264", true},
                                           EchoParam{"G722", "VP8", false}),
                         &param_name);

TEST(EchoRoomHigherRes, H264Mode0At720pHasNoFragmentedNals) {
    auto cfg = test_config();
    cfg.video_width = 1280;
    cfg.video_height = 720;
    cfg.video_bitrate_kbps = 2000;
    Call c(cfg);
    ASSERT_TRUE(c.call);
    FarEnd far({.video_codec = "H264", .h264_mode1 = false});
    ASSERT_TRUE(far.start(c.call->local_ports()).ok());
    ASSERT_TRUE(c.call->start(far.negotiated(c.call->local_ports()), media::Mode::Echo).ok());
    EXPECT_TRUE(c.loop.run_until([&] { return far.video_frames() >= 20; }, 30000));
    EXPECT_EQ(far.video_width(), 1280);
    EXPECT_EQ(far.fu_a_packets(), 0);
    EXPECT_EQ(far.stap_a_packets(), 0);
}

}  // namespace
}  // namespace media_test
