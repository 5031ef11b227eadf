// End to end: baresip calls sip:echo@gateway (the real daemon) and gets its own tone back
// through our decode/encode path; its recording proves the frequency, its call statistics
// prove video frames were decoded.
#include "integration/gateway_fixture.hpp"
#include "media/e2e/recording.hpp"

#include <cmath>
#include <vector>

namespace testsupport {
namespace {

class EchoRoomE2e : public GatewayTest {
protected:
    void call_echo(const std::string& audio, const std::string& video);
};

void EchoRoomE2e::call_echo(const std::string& audio, const std::string& video) {
    GatewayOptions go;
    go.extra_toml = kEchoMediaToml;
    auto& gw = start_gateway(go);
    BaresipOptions o = plain_peer("caller", "alice");
    o.tone_hz = 1000;
    o.audio_codecs = audio;
    o.video_codecs = video;
    auto& caller = start_peer(o);
    ASSERT_TRUE(caller.dial(gw.uri("echo")));
    ASSERT_TRUE(caller.wait_established(std::chrono::seconds(20)));
    expect_echoed_tone(caller.config_dir());
    // baresip decoded our video: at the size we encode (its camera sends 352x288).
    EXPECT_TRUE(caller.program().wait_for_log(
        std::regex("video: receiving with resolution 320 x 240"), std::chrono::seconds(10)));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("video echo " + video + " 320x240"),
                                          std::chrono::seconds(5)));
    ASSERT_TRUE(caller.ctrl().command("hangup"));
    EXPECT_TRUE(caller.wait_closed(std::chrono::seconds(10)));
}

// baresip offers H.264 with packetization-mode=0 only.
TEST_F(EchoRoomE2e, BaresipH264Mode0AndPcmu) {
    call_echo("PCMU", "H264");
}

std::size_t count_h264(const std::string& formats) {
    const std::regex h264(" H264/90000");
    return static_cast<std::size_t>(std::distance(
        std::sregex_iterator(formats.begin(), formats.end(), h264), std::sregex_iterator()));
}

// Like a room system, baresip offers H.264 in mode 0 then mode 1 (BaresipOptions::
// h264_both_modes); the gateway answers mode 1 alone (docs/sip.md), and the echo works in it.
TEST_F(EchoRoomE2e, BaresipH264BothModesAnsweredMode1) {
    GatewayOptions go;
    go.extra_toml = kEchoMediaToml;
    auto& gw = start_gateway(go);
    BaresipOptions o = plain_peer("caller", "alice");
    o.tone_hz = 1000;
    o.audio_codecs = "PCMU";
    o.h264_both_modes = true;
    auto& caller = start_peer(o);
    ASSERT_TRUE(caller.dial(gw.uri("echo")));
    ASSERT_TRUE(caller.wait_established(std::chrono::seconds(20)));
    // baresip's call debug lists the video formats it offered ("local", fmtp not shown) and
    // those of our answer ("remote").
    auto stat = caller.ctrl().command("callstat");
    ASSERT_TRUE(stat);
    std::smatch m;
    ASSERT_TRUE(std::regex_search(stat->data, m,
                                  std::regex("video RTP/\\S+\\n  local formats:\\n((?:    .*\\n)*)"
                                             "  remote formats:\\n((?:    .*\\n)*)")))
        << stat->data;
    const std::string offered = m[1];
    const std::string answered = m[2];
    EXPECT_EQ(count_h264(offered), 2U) << offered;
    EXPECT_EQ(count_h264(answered), 1U) << answered;
    EXPECT_NE(answered.find("packetization-mode=1"), std::string::npos) << answered;
    expect_echoed_tone(caller.config_dir());
    EXPECT_TRUE(caller.program().wait_for_log(
        std::regex("video: receiving with resolution 320 x 240"), std::chrono::seconds(10)));
    EXPECT_TRUE(
        gw.program().wait_for_log(std::regex("video echo H264 320x240"), std::chrono::seconds(5)));
    ASSERT_TRUE(caller.ctrl().command("hangup"));
    EXPECT_TRUE(caller.wait_closed(std::chrono::seconds(10)));
}

TEST_F(EchoRoomE2e, BaresipVp8AndOpus) {
    call_echo("opus/48000/2", "VP8");
}
TEST_F(EchoRoomE2e, BaresipVp8AndG722) {
    call_echo("G722", "VP8");
}

}  // namespace
}  // namespace testsupport

namespace testsupport {
namespace {

using MediaTimeoutE2e = GatewayTest;

// A caller that sends no RTP is hung up by the gateway with BYE, and the log says why.
TEST_F(MediaTimeoutE2e, SilentCallerGetsBye) {
    GatewayOptions go;
    go.extra_toml = "[media]\nmedia_timeout_s = 2\n";
    auto& gw = start_gateway(go);
    auto run = sipp(scenario("media_timeout_bye.xml", gw.target(), "echo"));
    EXPECT_EQ(run.exit_code, 0) << run.log << run.errors;
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("media timeout: no RTP for 2 s"),
                                          std::chrono::seconds(5)));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("gateway: sess=\\S+ ended"),
                                          std::chrono::seconds(10)));
}

}  // namespace
}  // namespace testsupport
