// Keyframes, DTMF, NAT latching, hold and media timeouts against real GStreamer far ends.
#include "test_call.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace media_test {
namespace {

constexpr int kDeadlineMs = 20000;

// Plays the far end's part until it decoded `frames` of our video: it answers our PLIs with a
// keyframe, as a real sender does. Returns how many it answered.
int answer_plis_until_frames(Call& c, FarEnd& far, int frames) {
    int answered = 0;
    EXPECT_TRUE(c.loop.run_until(
        [&] {
            far.poll_rtcp();
            if (far.answer_pli()) answered++;
            return far.video_frames() >= frames;
        },
        kDeadlineMs));
    return answered;
}

// Starts the far end, then the call with the far end's SDP, in `mode`.
void start_call(Call& c, FarEnd& far, media::Mode mode = media::Mode::Echo) {
    ASSERT_TRUE(c.call);
    ASSERT_TRUE(far.start(c.call->local_ports()).ok());
    ASSERT_TRUE(c.call->start(far.negotiated(c.call->local_ports()), mode).ok());
}

// Starts an echo call with a NATed far end: its SDP names ports nothing listens on (a NAT
// rewrote the source of its packets).
void start_nated(Call& c, FarEnd& far) {
    ASSERT_TRUE(far.start(c.call->local_ports()).ok());
    auto nm = far.negotiated(c.call->local_ports());
    for (auto* stream : {&nm.audio, &nm.video}) {
        if (!*stream) continue;
        auto decoy = media::bind_udp("127.0.0.1", 0);
        ASSERT_TRUE(decoy.ok());
        (*stream)->remote_rtp_port = media::local_port(decoy->get());
        (*stream)->remote_rtcp_port = static_cast<uint16_t>((*stream)->remote_rtp_port + 1);
    }
    ASSERT_TRUE(c.call->start(nm, media::Mode::Echo).ok());
}

// The peer's PLI must yield a keyframe within 500 ms; the far end's own stream has keyframes
// only every 2 s and ours every 5 s, so three answered PLIs in a row cannot be luck.
void expect_keyframes_answer_pli(const std::string& codec, bool rtcp_mux) {
    Call c(test_config());
    FarEnd far({.video_codec = codec, .h264_mode1 = true, .rtcp_mux = rtcp_mux});
    ASSERT_NO_FATAL_FAILURE(start_call(c, far));
    ASSERT_TRUE(c.loop.run_until(
        [&] { return far.video_frames() >= 20 && far.keyframes_received() >= 1; }, kDeadlineMs));
    for (int i = 0; i < 3; ++i) {
        // Start right after a keyframe so that the next periodic one is seconds away.
        const int before = far.keyframes_received();
        const gint64 t0 = g_get_monotonic_time();
        far.send_pli();
        ASSERT_TRUE(c.loop.run_until([&] { return far.keyframes_received() > before; }, 3000))
            << "no keyframe after PLI " << i;
        EXPECT_LT(far.last_keyframe_us() - t0, 500000) << "keyframe came too late after PLI";
    }
    const auto s = c.call->stats();
    ASSERT_TRUE(s.video);
    EXPECT_GE(s.video->keyframes_asked, 3U);
    EXPECT_GE(s.video->keyframes_sent, 4U);
}

TEST(Keyframes, PliFromPeerYieldsH264Keyframe) {
    expect_keyframes_answer_pli("H264", false);
}
TEST(Keyframes, PliFromPeerYieldsVp8Keyframe) {
    expect_keyframes_answer_pli("VP8", false);
}
TEST(Keyframes, PliOverRtcpMuxYieldsKeyframe) {
    expect_keyframes_answer_pli("H264", true);
}

TEST(Keyframes, SendKeyframeForSipInfo) {
    Call c(test_config());
    FarEnd far({.video_codec = "VP8"});
    ASSERT_NO_FATAL_FAILURE(start_call(c, far));
    ASSERT_TRUE(c.loop.run_until([&] { return far.video_frames() >= 20; }, kDeadlineMs));
    for (int i = 0; i < 3; ++i) {
        const int before = far.keyframes_received();
        const gint64 t0 = g_get_monotonic_time();
        c.call->send_keyframe();
        ASSERT_TRUE(c.loop.run_until([&] { return far.keyframes_received() > before; }, 3000));
        EXPECT_LT(far.last_keyframe_us() - t0, 500000);
    }
}

// At start our decoder has no keyframe: we must ask the way the peer understands.
TEST(Keyframes, WeAskWithPliWhenOffered) {
    Call c(test_config());
    FarEnd far({.video_codec = "H264", .pli = true, .fir = true});
    ASSERT_NO_FATAL_FAILURE(start_call(c, far));
    EXPECT_TRUE(c.loop.run_until(
        [&] {
            far.poll_rtcp();
            return far.pli_received() >= 1;
        },
        kDeadlineMs));
    EXPECT_EQ(far.fir_received(), 0) << "baresip ignores FIR: PLI must be preferred";
    EXPECT_EQ(c.keyframe_needed, 0);
    // The counter is bumped on the streaming thread after the request leaves: wait for it too.
    EXPECT_TRUE(c.loop.run_until([&] { return c.call->stats().video->keyframes_requested >= 1U; },
                                 kDeadlineMs));
}

// The peer's only keyframe is lost: our decoder cannot start until our PLI gets a new one.
TEST(Keyframes, LostFirstKeyframeIsRecoveredByOurPli) {
    Call c(test_config());
    FarEnd far({.video_codec = "H264", .pli = true, .lose_first_keyframe = true});
    ASSERT_NO_FATAL_FAILURE(start_call(c, far));
    EXPECT_GE(answer_plis_until_frames(c, far, 10), 1) << "we never sent a PLI";
    EXPECT_GE(c.call->stats().video->frames_decoded, 5U);
}

TEST(Keyframes, WeAskWithFirWhenOnlyFirOffered) {
    Call c(test_config());
    FarEnd far({.video_codec = "H264", .pli = false, .fir = true});
    ASSERT_NO_FATAL_FAILURE(start_call(c, far));
    EXPECT_TRUE(c.loop.run_until(
        [&] {
            far.poll_rtcp();
            return far.fir_received() >= 1;
        },
        kDeadlineMs));
    EXPECT_EQ(far.pli_received(), 0);
}

TEST(Keyframes, WithoutFeedbackTheGatewayIsToldToUseSipInfo) {
    Call c(test_config());
    FarEnd far({.video_codec = "H264", .pli = false, .fir = false});
    ASSERT_NO_FATAL_FAILURE(start_call(c, far));
    EXPECT_TRUE(c.loop.run_until([&] { return c.keyframe_needed >= 1; }, kDeadlineMs));
    // Wait until video flowed for a while: still no PLI/FIR on the wire.
    EXPECT_TRUE(c.loop.run_until([&] { return far.video_frames() >= 20; }, kDeadlineMs));
    far.poll_rtcp();
    EXPECT_GE(far.rtcp_packets(), 0);
    EXPECT_EQ(far.pli_received(), 0);
    EXPECT_EQ(far.fir_received(), 0);
}

// RFC 4733: each press arrives once, in order, whatever the event clock rate; the end packet
// is sent three times and a repeated key is two presses.
void expect_dtmf(const std::string& codec, uint32_t event_rate) {
    Call c(test_config());
    FarEnd far({.audio_codec = codec, .telephone_event_rate = event_rate});
    ASSERT_NO_FATAL_FAILURE(start_call(c, far));
    ASSERT_TRUE(c.loop.run_until([&] { return far.audio_samples().size() >= 8000; }, kDeadlineMs));
    const std::string keys = "122#*9";
    uint32_t ts = 123456;
    for (char k : keys) {
        far.send_dtmf(k, ts);
        ts += event_rate / 2;
    }
    ASSERT_TRUE(c.loop.run_until([&] { return c.digits.size() >= keys.size(); }, kDeadlineMs));
    // Let a second of audio (and any late duplicate) through before judging: expect_tone reads
    // the last second, which must not reach back into the digits (on a loaded host the audio
    // around them arrives unevenly).
    const size_t have = far.audio_samples().size();
    ASSERT_TRUE(
        c.loop.run_until([&] { return far.audio_samples().size() >= have + 16000; }, kDeadlineMs));
    EXPECT_EQ(std::string(c.digits.begin(), c.digits.end()), keys);
    EXPECT_EQ(c.call->stats().audio->dtmf_events, keys.size());
    expect_tone(far.audio_samples(), 1000);  // events are not fed to the voice decoder
}

TEST(Dtmf, Rfc4733DigitsOnceEachInOrder8k) {
    expect_dtmf("PCMU", 8000);
}
TEST(Dtmf, Rfc4733DigitsOnceEachInOrder48k) {
    expect_dtmf("opus", 48000);
}

// The SDP names a port nothing listens on (a NAT rewrote the source): we answer to where the
// peer's packets come from.
TEST(Rtp, LatchesToThePeersRealAddress) {
    Call c(test_config());
    ASSERT_TRUE(c.call);
    FarEnd far({.audio_codec = "PCMU"});
    start_nated(c, far);
    // expect_tone judges the last second; the first ones, while the source is learned and the
    // call starts on a loaded host, may arrive unevenly.
    ASSERT_TRUE(
        c.loop.run_until([&] { return far.audio_samples().size() >= 16000 * 3; }, kDeadlineMs));
    expect_tone(far.audio_samples(), 1000);
}

// A NATed H.264 peer: its SDP names ports nothing listens on, and its first packets (SPS, PPS,
// the keyframe) arrive while the gateway is still learning its source. They must not be lost:
// this peer sends no other keyframe unless asked, and is never asked here.
TEST(Rtp, NatedPeersFirstKeyframeIsKeptWhileItsSourceIsLearned) {
    Call c(test_config());
    ASSERT_TRUE(c.call);
    FarEnd far({.video_codec = "H264", .pli = true, .single_keyframe = true});
    start_nated(c, far);
    EXPECT_TRUE(
        c.loop.run_until([&] { return c.call->stats().video->frames_decoded >= 10U; }, kDeadlineMs))
        << "decoded " << c.call->stats().video->frames_decoded << " frames";
}

// The same peer whose first keyframe is lost: our PLI must reach it before it ever sends RTCP
// itself (it never does here), at the port after the one its RTP comes from, not at its SDP's
// RTCP address.
TEST(Rtp, NatedPeerGetsOurPliBeforeItsOwnRtcp) {
    Call c(test_config());
    ASSERT_TRUE(c.call);
    FarEnd far(
        {.video_codec = "H264", .pli = true, .lose_first_keyframe = true, .adjacent_rtcp = true});
    start_nated(c, far);
    EXPECT_GE(answer_plis_until_frames(c, far, 10), 1) << "our PLI never reached the peer";
    EXPECT_GE(c.call->stats().video->frames_decoded, 5U);
}

TEST(Rtp, RecvOnlySendsNothingUntilResumed) {
    Call c(test_config());
    ASSERT_TRUE(c.call);
    FarEnd far({.audio_codec = "PCMU"});
    ASSERT_TRUE(far.start(c.call->local_ports()).ok());
    auto nm = far.negotiated(c.call->local_ports());
    nm.audio->direction = sip::Direction::RecvOnly;
    ASSERT_TRUE(c.call->start(nm, media::Mode::Echo).ok());
    ASSERT_TRUE(
        c.loop.run_until([&] { return c.call->stats().audio->packets_in >= 100; }, kDeadlineMs));
    EXPECT_EQ(c.call->stats().audio->packets_out, 0U);
    EXPECT_EQ(far.audio_samples().size(), 0U);
    nm.audio->direction = sip::Direction::SendRecv;
    ASSERT_TRUE(c.call->update(nm).ok());
    // Two seconds, so the second judged is not the resumption's first.
    ASSERT_TRUE(
        c.loop.run_until([&] { return far.audio_samples().size() >= 16000 * 2; }, kDeadlineMs));
    expect_tone(far.audio_samples(), 1000);
}

TEST(Rtp, IdleModeKeepsRtcpButSendsNoMedia) {
    Call c(test_config());
    FarEnd far({.video_codec = "H264"});
    ASSERT_NO_FATAL_FAILURE(start_call(c, far, media::Mode::Idle));
    EXPECT_TRUE(c.loop.run_until(
        [&] {
            far.poll_rtcp();
            return far.rtcp_packets() >= 1 && c.call->stats().video->packets_in >= 50;
        },
        kDeadlineMs));
    EXPECT_EQ(far.video_frames(), 0);
    EXPECT_EQ(c.call->stats().video->packets_out, 0U);
}

TEST(MediaTimeout, SilentPeerTimesOut) {
    auto cfg = test_config();
    cfg.media_timeout_s = 1;
    Call c(cfg);
    FarEnd far({.audio_codec = "PCMU", .send_media = false});
    ASSERT_NO_FATAL_FAILURE(start_call(c, far));
    EXPECT_TRUE(c.loop.run_until([&] { return !c.timeouts.empty(); }, kDeadlineMs));
    ASSERT_EQ(c.timeouts.size(), 1U);
    EXPECT_NE(c.timeouts[0].find("no RTP"), std::string::npos);
}

TEST(MediaTimeout, NotWhileThePeerHoldsUs) {
    auto cfg = test_config();
    cfg.media_timeout_s = 1;
    Call c(cfg);
    ASSERT_TRUE(c.call);
    FarEnd far({.audio_codec = "PCMU", .send_media = false});
    ASSERT_TRUE(far.start(c.call->local_ports()).ok());
    auto nm = far.negotiated(c.call->local_ports());
    nm.audio->direction = sip::Direction::SendOnly;  // the peer sent a=recvonly: on hold
    ASSERT_TRUE(c.call->start(nm, media::Mode::Echo).ok());
    // Three timeout periods pass without an event...
    EXPECT_FALSE(c.loop.run_until([&] { return !c.timeouts.empty(); }, 3000));
    // ...and once resumed, the silent peer times out.
    nm.audio->direction = sip::Direction::SendRecv;
    ASSERT_TRUE(c.call->update(nm).ok());
    EXPECT_TRUE(c.loop.run_until([&] { return !c.timeouts.empty(); }, kDeadlineMs));
}

}  // namespace
}  // namespace media_test

namespace media_test {
namespace {

size_t open_fds() {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
    return n;
}

// Every call returns its sockets and pipeline threads' fds: after many calls the count is flat.
TEST(Lifecycle, CallsReleaseTheirPortsAndFds) {
    Call c(test_config());
    ASSERT_TRUE(c.call);
    auto one_call = [&] {
        FarEnd far({.audio_codec = "PCMU", .video_codec = "VP8"});
        auto cm = c.engine.create_call("lc", "127.0.0.1", {});
        ASSERT_TRUE(cm.ok());
        ASSERT_TRUE(far.start(cm.value()->local_ports()).ok());
        ASSERT_TRUE(
            cm.value()->start(far.negotiated(cm.value()->local_ports()), media::Mode::Echo).ok());
        ASSERT_TRUE(
            c.loop.run_until([&] { return far.audio_samples().size() >= 1600; }, kDeadlineMs));
    };
    one_call();  // warm-up: GStreamer's lazily created global resources
    const size_t before = open_fds();
    for (int i = 0; i < 10; ++i) one_call();
    EXPECT_EQ(open_fds(), before);
}

TEST(Lifecycle, BadAddressAndEmptyRangeAreErrors) {
    TestLoop loop;
    auto cfg = test_config();
    media::Engine engine(cfg, core::TurnConfig{}, loop.loop());
    auto bad = engine.create_call("x", "not-an-ip", {});
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("not an IP address"), std::string::npos);
    cfg.rtp_port_min = 41000;
    cfg.rtp_port_max = 41000;
    media::Engine narrow(cfg, core::TurnConfig{}, loop.loop());
    auto none = narrow.create_call("y", "127.0.0.1", {});
    EXPECT_FALSE(none.ok());
}

TEST(Lifecycle, StartWithoutStreamsIsAnError) {
    Call c(test_config());
    ASSERT_TRUE(c.call);
    auto st = c.call->start(sip::NegotiatedMedia{}, media::Mode::Echo);
    EXPECT_FALSE(st.ok());
}

}  // namespace
}  // namespace media_test

namespace media_test {
namespace {

// A re-INVITE moves the call to another address and codec (the peer changed device) while the
// old device still sends for a while: media follows the new SDP address on the same ports.
TEST(Reinvite, NewAddressAndCodecOnTheSamePorts) {
    Call c(test_config());
    ASSERT_TRUE(c.call);
    const auto ports = c.call->local_ports();
    FarEnd first({.audio_codec = "PCMU", .tone_hz = 1000});
    ASSERT_TRUE(first.start(ports).ok());
    ASSERT_TRUE(c.call->start(first.negotiated(ports), media::Mode::Echo).ok());
    ASSERT_TRUE(
        c.loop.run_until([&] { return first.audio_samples().size() >= 16000; }, kDeadlineMs));
    expect_tone(first.audio_samples(), 1000);

    FarEnd second({.audio_codec = "G722", .tone_hz = 700});
    ASSERT_TRUE(c.call->update(second.negotiated(ports)).ok());
    // Packets of the old device reach the rebuilt pipeline first and are latched to...
    ASSERT_TRUE(
        c.loop.run_until([&] { return c.call->stats().audio->packets_in >= 20; }, kDeadlineMs));
    // ...until the new SDP address sends: that always wins.
    ASSERT_TRUE(second.start(ports).ok());
    ASSERT_TRUE(
        c.loop.run_until([&] { return second.audio_samples().size() >= 16000 * 2; }, kDeadlineMs));
    expect_tone(second.audio_samples(), 700);
    EXPECT_EQ(c.call->local_ports().audio_rtp, ports.audio_rtp);
    EXPECT_TRUE(c.errors.empty());
}

}  // namespace
}  // namespace media_test
