// The echo room against real GStreamer far ends: the tone and the pictures a peer sends come
// back through our full decode/encode path, at the right frequency and at our configured size.
#include "far_end.hpp"
#include "media/engine.hpp"
#include "test_call.hpp"
#include "test_loop.hpp"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

namespace media_test {
namespace {

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
        [&] { return far.audio_samples().size() >= 16000 * 3 && far.video_frames() >= 30; }, 30000);
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
                                           EchoParam{"G722", "VP8", false},
                                           EchoParam{"PCMA", "VP8", false}),
                         &param_name);

void echo_720p_h264(bool mode1, int& fu_a, int& stap_a, int& width) {
    auto cfg = test_config();
    cfg.video_width = 1280;
    cfg.video_height = 720;
    cfg.video_bitrate_kbps = 2000;
    Call c(cfg);
    ASSERT_TRUE(c.call);
    FarEnd far({.video_codec = "H264", .h264_mode1 = mode1});
    ASSERT_TRUE(far.start(c.call->local_ports()).ok());
    ASSERT_TRUE(c.call->start(far.negotiated(c.call->local_ports()), media::Mode::Echo).ok());
    EXPECT_TRUE(c.loop.run_until([&] { return far.video_frames() >= 20; }, 30000));
    fu_a = far.fu_a_packets();
    stap_a = far.stap_a_packets();
    width = far.video_width();
}

TEST(EchoRoomHigherRes, H264Mode0At720pHasNoFragmentedNals) {
    int fu_a = -1, stap_a = -1, width = 0;
    echo_720p_h264(false, fu_a, stap_a, width);
    EXPECT_EQ(width, 1280);
    EXPECT_EQ(fu_a, 0);
    EXPECT_EQ(stap_a, 0);
}

// The same stream in mode 1 does use FU-A: the check above can see fragments.
TEST(EchoRoomHigherRes, H264Mode1At720pFragmentsLargeNals) {
    int fu_a = -1, stap_a = -1, width = 0;
    echo_720p_h264(true, fu_a, stap_a, width);
    EXPECT_EQ(width, 1280);
    EXPECT_GT(fu_a, 0);
}

}  // namespace
}  // namespace media_test
