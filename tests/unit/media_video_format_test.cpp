#include "media/codec_chain.hpp"
#include "media/video_format.hpp"

#include <gtest/gtest.h>

namespace {

sip::Codec h264(const std::string& plid, const std::string& mode = "1") {
    sip::Codec c;
    c.name = "H264";
    c.payload_type = 96;
    c.clock_rate = 90000;
    c.remote_params["profile-level-id"] = plid;
    c.remote_params["packetization-mode"] = mode;
    return c;
}

TEST(MediaVideoFormat, Level31Takes720p30) {
    core::MediaConfig cfg;
    auto f = media::choose_video_format(cfg, h264("42e01f"), 0);
    EXPECT_EQ(f.width, 1280U);
    EXPECT_EQ(f.height, 720U);
    EXPECT_EQ(f.fps, 30U);
    EXPECT_EQ(f.bitrate_kbps, 2000U);
}

TEST(MediaVideoFormat, Level13ShrinksToFitCifMacroblocks) {
    core::MediaConfig cfg;
    auto f = media::choose_video_format(cfg, h264("42e00d"), 0);
    EXPECT_LE(((f.width + 15) / 16) * ((f.height + 15) / 16), 396U);
    EXPECT_NEAR(static_cast<double>(f.width) / f.height, 16.0 / 9.0, 0.1);
    EXPECT_LE(f.fps * ((f.width + 15) / 16) * ((f.height + 15) / 16), 11880U);
}

TEST(MediaVideoFormat, MaxFsRaisesTheLevelLimit) {
    core::MediaConfig cfg;
    auto c = h264("42e00d");
    c.remote_params["max-fs"] = "3600";
    c.remote_params["max-mbps"] = "108000";
    auto f = media::choose_video_format(cfg, c, 0);
    EXPECT_EQ(f.width, 1280U);
    EXPECT_EQ(f.fps, 30U);
}

TEST(MediaVideoFormat, Vp8MaxFsAndMaxFrAndBandwidth) {
    core::MediaConfig cfg;
    sip::Codec c;
    c.name = "VP8";
    c.remote_params["max-fs"] = "1200";
    c.remote_params["max-fr"] = "15";
    auto f = media::choose_video_format(cfg, c, 512);
    EXPECT_LE(((f.width + 15) / 16) * ((f.height + 15) / 16), 1200U);
    EXPECT_EQ(f.fps, 15U);
    EXPECT_EQ(f.bitrate_kbps, 512U);
}

TEST(MediaCodecChain, Mode0CapsSliceSizeAndMode1DoesNot) {
    sip::NegotiatedStream s;
    s.kind = sip::MediaKind::Video;
    s.codec = h264("42e01f", "0");
    media::VideoFormat f{640, 360, 30, 800};
    auto d0 = media::echo_chain_description(s, f);
    ASSERT_TRUE(d0);
    EXPECT_NE(d0->find("slice-max-size"), std::string::npos);
    EXPECT_NE(d0->find("config-interval=-1"), std::string::npos);  // SPS/PPS with every IDR
    s.codec = h264("42e01f", "1");
    auto d1 = media::echo_chain_description(s, f);
    ASSERT_TRUE(d1);
    EXPECT_EQ(d1->find("slice-max-size"), std::string::npos);
}

TEST(MediaCodecChain, RtpCapsNameOnlyTheFeedbackWeWant) {
    sip::NegotiatedStream s;
    s.kind = sip::MediaKind::Video;
    s.codec = h264("42e01f");
    s.feedback.pli = true;
    s.feedback.fir = true;
    auto caps = media::rtp_caps(s);
    EXPECT_NE(caps.find("rtcp-fb-nack-pli"), std::string::npos);
    EXPECT_EQ(caps.find("rtcp-fb-ccm-fir"), std::string::npos);
    s.feedback.pli = false;
    caps = media::rtp_caps(s);
    EXPECT_NE(caps.find("rtcp-fb-ccm-fir"), std::string::npos);
    sip::NegotiatedStream none;
    none.codec.name = "H263";
    EXPECT_FALSE(media::echo_chain_description(none, media::VideoFormat{}).has_value());
}

}  // namespace
