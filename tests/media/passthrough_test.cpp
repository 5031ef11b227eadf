// The SIP side of video passthrough (bridge mode, issue 4) against real GStreamer far ends. The
// meeting page's link is stood in for by two real pipelines on the session's encoded channels:
// one takes what the gateway forwards toward the page, one feeds encoded video "from the page"
// with an encoder that makes a keyframe only when asked. Proves: the caller's video reaches the
// page side encoded, the page side's video reaches the caller decodable (mode 0: no FU-A/STAP-A),
// the gateway decodes and encodes nothing, and keyframe requests cross in both directions (the
// caller's PLI makes the page-side encoder send a keyframe; a request from the page side becomes
// a PLI to the caller).
#include "media/passthrough.hpp"
#include "far_end.hpp"
#include "media/encoded_channel.hpp"
#include "support/test_pipeline.hpp"
#include "test_call.hpp"

#include <gst/app/gstappsink.h>
#include <gtest/gtest.h>

#include <string>

namespace media_test {
namespace {

constexpr int kDeadlineMs = 30000;

using testsupport::launch;
using testsupport::Pipeline;

GstElement* element(GstElement* pipeline, const char* name) {
    GstElement* e = gst_bin_get_by_name(GST_BIN(pipeline), name);
    gst_object_unref(e);  // the pipeline keeps it
    return e;
}

// The page's end of both channels.
struct PageStandIn {
    std::shared_ptr<media::EncodedChannel> to_page;
    std::shared_ptr<media::EncodedChannel> from_page;
    Pipeline consumer;
    Pipeline producer;

    PageStandIn(const std::string& session, const std::string& codec, bool single_nal) {
        to_page = media::EncodedChannel::get(media::passthrough_channel(session, true));
        from_page = media::EncodedChannel::get(media::passthrough_channel(session, false));
        consumer = launch(media::EncodedChannel::src_description("in") +
                          " ! fakesink sync=false async=false");
        const std::string encoder =
            codec == "H264" ? std::string(
                                  "x264enc tune=zerolatency speed-preset=ultrafast threads=1 "
                                  "bitrate=300 key-int-max=100000 ") +
                                  (single_nal ? "option-string=\"slice-max-size=1000\" " : "") +
                                  "! video/x-h264,profile=constrained-baseline ! h264parse ! "
                                  "video/x-h264,stream-format=byte-stream,alignment=au"
                            : std::string(
                                  "vp8enc deadline=1 threads=1 cpu-used=8 keyframe-max-dist=100000 "
                                  "target-bitrate=300000");
        producer = launch(
            "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=15/1 ! " +
            encoder + " ! " + media::EncodedChannel::sink_description("out"));
        to_page->attach_consumer(element(consumer.get(), "in"));
        from_page->attach_producer(element(producer.get(), "out"));
        gst_element_set_state(consumer.get(), GST_STATE_PLAYING);
        gst_element_set_state(producer.get(), GST_STATE_PLAYING);
    }
};

using Param = std::tuple<std::string, bool>;  // codec, H.264 mode 1

class SipPassthrough : public ::testing::TestWithParam<Param> {};

TEST_P(SipPassthrough, ForwardedBothWaysWithoutTranscodingAndKeyframeRequestsRelayed) {
    const auto& [codec, mode1] = GetParam();
    auto cfg = test_config();
    cfg.video_passthrough = true;
    Call c(cfg);
    ASSERT_TRUE(c.call);
    FarEnd far({.video_codec = codec, .h264_mode1 = mode1, .pli = true});
    const auto ports = c.call->local_ports();
    ASSERT_TRUE(far.start(ports).ok());
    auto st = c.call->start(far.negotiated(ports), media::Mode::Bridge);
    ASSERT_TRUE(st.ok()) << st.error().message;
    const auto pt = c.call->passthrough_video();
    ASSERT_TRUE(pt.has_value());
    EXPECT_EQ(pt->codec, codec);
    EXPECT_EQ(pt->single_nal, codec == "H264" && !mode1);
    PageStandIn page("t1", codec, codec == "H264" && !mode1);

    // Both ways: the caller's frames reach the page side; the page's reach the caller, decoded
    // there at the size the page encoded (320x240; our configured size is 256x192).
    ASSERT_TRUE(c.loop.run_until(
        [&] { return page.to_page->frames() >= 30 && far.video_frames() >= 30; }, kDeadlineMs))
        << "to page " << page.to_page->frames() << ", caller decoded " << far.video_frames();
    EXPECT_EQ(far.video_width(), 320);
    EXPECT_EQ(far.video_height(), 240);
    if (codec == "H264" && !mode1) {
        EXPECT_EQ(far.fu_a_packets(), 0) << "packetization-mode=0 forbids FU-A";
        EXPECT_EQ(far.stap_a_packets(), 0) << "packetization-mode=0 forbids STAP-A";
    }

    // The caller's PLI → a keyframe from the page side's encoder (which makes none unasked).
    for (int i = 0; i < 3; ++i) {
        const int before = far.keyframes_received();
        far.send_pli();
        ASSERT_TRUE(c.loop.run_until([&] { return far.keyframes_received() > before; }, 5000))
            << "no keyframe after PLI " << i;
    }
    // SIP INFO picture_fast_update takes the same way.
    {
        const int before = far.keyframes_received();
        c.call->send_keyframe();
        EXPECT_TRUE(c.loop.run_until([&] { return far.keyframes_received() > before; }, 5000))
            << "no keyframe after send_keyframe()";
    }
    // The page side asks for a keyframe → a PLI to the caller. Our requests are spaced by
    // 500 ms, so ask again until one goes out.
    far.poll_rtcp();
    const int plis = far.pli_received();
    EXPECT_TRUE(c.loop.run_until(
        [&] {
            page.to_page->request_keyframe();
            far.poll_rtcp();
            return far.pli_received() > plis;
        },
        kDeadlineMs))
        << "no PLI reached the caller";

    const auto s = c.call->stats();
    ASSERT_TRUE(s.video);
    EXPECT_TRUE(s.video->passthrough);
    EXPECT_EQ(s.video->frames_decoded, 0U);
    EXPECT_EQ(s.video->frames_encoded, 0U);
    EXPECT_GE(s.video->frames_to_page, 30U);
    EXPECT_GE(s.video->frames_from_page, 30U);
    EXPECT_GE(s.video->keyframes_asked, 4U);
    EXPECT_GE(s.video->keyframes_sent, 4U);
    EXPECT_TRUE(c.errors.empty()) << c.errors.front();
    c.call.reset();  // stops the pipeline before the stand-in goes
}

// Issue 13's warm join: the meeting's new subscriber asks for a keyframe right after the one a
// request of ours brought (the page's switch to forwarding asked first). That request must
// reach the caller, not be swallowed by the spacing meant for requests still unanswered: the
// retry only covers those, so a swallowed one was asked again only when the meeting asked again.
// The caller here sends a keyframe only when asked; each round asks once from the page side.
TEST(SipPassthroughKeyframes, RequestRightAfterAnAnsweredOneReachesTheCaller) {
    auto cfg = test_config();
    cfg.video_passthrough = true;
    Call c(cfg);
    ASSERT_TRUE(c.call);
    FarEnd far({.video_codec = "H264", .pli = true, .single_keyframe = true});
    const auto ports = c.call->local_ports();
    ASSERT_TRUE(far.start(ports).ok());
    auto st = c.call->start(far.negotiated(ports), media::Mode::Bridge);
    ASSERT_TRUE(st.ok()) << st.error().message;
    PageStandIn page("t1", "H264", true);
    // The page side's first keyframe: the one its channel asked for when it attached.
    ASSERT_TRUE(c.loop.run_until(
        [&] {
            far.poll_rtcp();
            far.answer_pli();
            return page.to_page->frames() >= 10;
        },
        kDeadlineMs))
        << "to page " << page.to_page->frames();

    for (int round = 0; round < 3; ++round) {
        far.poll_rtcp();
        const int plis = far.pli_received();
        const uint64_t keys = page.to_page->keyframes();
        page.to_page->request_keyframe();
        ASSERT_TRUE(c.loop.run_until(
            [&] {
                far.poll_rtcp();
                return far.pli_received() > plis;
            },
            kDeadlineMs))
            << "round " << round << ": the page's request never reached the caller";
        ASSERT_TRUE(far.answer_pli());
        ASSERT_TRUE(c.loop.run_until([&] { return page.to_page->keyframes() > keys; }, kDeadlineMs))
            << "round " << round << ": the caller's keyframe never reached the page side";
    }
    EXPECT_TRUE(c.errors.empty()) << c.errors.front();
    c.call.reset();  // stops the pipeline before the stand-in goes
}

std::string param_name(const ::testing::TestParamInfo<Param>& info) {
    const std::string& codec = std::get<0>(info.param);
    const bool mode1 = std::get<1>(info.param);
    return codec + (codec == "H264" ? (mode1 ? "_mode1" : "_mode0") : "");
}

INSTANTIATE_TEST_SUITE_P(Codecs, SipPassthrough,
                         ::testing::Values(Param{"H264", false}, Param{"H264", true},
                                           Param{"VP8", false}),
                         &param_name);

// Switched off, the same call transcodes (the counters that stay 0 above count here).
TEST(SipPassthroughOff, ConfigSwitchKeepsTranscoding) {
    auto cfg = test_config();
    cfg.video_passthrough = false;
    Call c(cfg);
    ASSERT_TRUE(c.call);
    FarEnd far({.video_codec = "H264", .h264_mode1 = true});
    ASSERT_TRUE(far.start(c.call->local_ports()).ok());
    ASSERT_TRUE(c.call->start(far.negotiated(c.call->local_ports()), media::Mode::Bridge).ok());
    EXPECT_FALSE(c.call->passthrough_video().has_value());
    ASSERT_TRUE(
        c.loop.run_until([&] { return c.call->stats().video->frames_decoded >= 10; }, kDeadlineMs));
    EXPECT_FALSE(c.call->stats().video->passthrough);
}

// The page's end of both audio channels: it decodes what the gateway forwards (so the test can
// hear the caller's tone there) and sends its own Opus tone, encoded as the page would.
struct AudioPageStandIn {
    std::shared_ptr<media::EncodedChannel> to_page;
    std::shared_ptr<media::EncodedChannel> from_page;
    Pipeline consumer;
    Pipeline producer;
    std::vector<int16_t> samples;  // what reached the page, 16 kHz mono

    AudioPageStandIn(const std::string& session, double tone_hz) {
        constexpr auto kAudio = media::EncodedChannel::Media::Audio;
        to_page =
            media::EncodedChannel::get(media::audio_passthrough_channel(session, true), kAudio);
        from_page =
            media::EncodedChannel::get(media::audio_passthrough_channel(session, false), kAudio);
        consumer = launch(media::EncodedChannel::src_description("in", kAudio) +
                          " ! opusdec ! audioconvert ! audioresample ! "
                          "audio/x-raw,format=S16LE,rate=16000,channels=1 ! "
                          "appsink name=sink sync=false async=false");
        producer =
            launch("audiotestsrc is-live=true wave=sine volume=0.4 samplesperbuffer=960 freq=" +
                   std::to_string(tone_hz) +
                   " ! audio/x-raw,rate=48000,channels=2 ! opusenc bitrate=48000 frame-size=20 ! " +
                   media::EncodedChannel::sink_description("out"));
        to_page->attach_consumer(element(consumer.get(), "in"));
        from_page->attach_producer(element(producer.get(), "out"));
        gst_element_set_state(consumer.get(), GST_STATE_PLAYING);
        gst_element_set_state(producer.get(), GST_STATE_PLAYING);
    }

    // Takes what the page side decoded so far (called from the test's polling).
    void drain() {
        auto* sink = GST_APP_SINK(element(consumer.get(), "sink"));
        while (GstSample* sample = gst_app_sink_try_pull_sample(sink, 0)) {
            GstMapInfo map;
            GstBuffer* b = gst_sample_get_buffer(sample);
            if (b != nullptr && gst_buffer_map(b, &map, GST_MAP_READ)) {
                const auto* s = reinterpret_cast<const int16_t*>(map.data);
                samples.insert(samples.end(), s, s + map.size / 2);
                gst_buffer_unmap(b, &map);
            }
            gst_sample_unref(sample);
        }
    }
};

// An Opus caller in a meeting: its packets reach the page as they are, the page's packets reach
// the caller as they are, both tones survive (each side decodes what the other encoded), the
// gateway decodes and encodes no audio, and RFC 4733 digits are still detected (they never
// needed decoded audio: the RTP probe reads telephone-event packets before rtpbin).
TEST(SipAudioPassthrough, OpusForwardedBothWaysWithoutTranscodingAndDtmfDetected) {
    auto cfg = test_config();
    cfg.audio_passthrough = true;
    Call c(cfg);
    ASSERT_TRUE(c.call);
    FarEnd far({.audio_codec = "opus", .tone_hz = 1000});
    const auto ports = c.call->local_ports();
    ASSERT_TRUE(far.start(ports).ok());
    auto st = c.call->start(far.negotiated(ports), media::Mode::Bridge);
    ASSERT_TRUE(st.ok()) << st.error().message;
    ASSERT_TRUE(c.call->passthrough_audio());
    AudioPageStandIn page("t1", 660);

    // 3 s of audio each way (16 kHz), which also leaves time past any start-up transient.
    ASSERT_TRUE(c.loop.run_until(
        [&] {
            page.drain();
            return page.samples.size() >= 48000 && far.audio_samples().size() >= 48000;
        },
        kDeadlineMs))
        << "page got " << page.samples.size() << " samples, caller " << far.audio_samples().size();
    {
        SCOPED_TRACE("the caller's 1000 Hz tone, decoded on the page side");
        expect_tone(page.samples, 1000);
    }
    {
        SCOPED_TRACE("the page's 660 Hz tone, decoded by the caller");
        expect_tone(far.audio_samples(), 660);
    }

    const std::string keys = "19#";
    uint32_t ts = 100000;
    for (char k : keys) {
        far.send_dtmf(k, ts);
        ts += 8000;
    }
    ASSERT_TRUE(c.loop.run_until([&] { return c.digits.size() >= keys.size(); }, kDeadlineMs));
    EXPECT_EQ(std::string(c.digits.begin(), c.digits.end()), keys);

    const auto s = c.call->stats();
    ASSERT_TRUE(s.audio);
    EXPECT_TRUE(s.audio->passthrough);
    EXPECT_EQ(s.audio->frames_decoded, 0U);
    EXPECT_EQ(s.audio->frames_encoded, 0U);
    EXPECT_GE(s.audio->frames_to_page, 150U);  // 20 ms packets: 3 s
    EXPECT_GE(s.audio->frames_from_page, 150U);
    EXPECT_GE(s.audio->dtmf_events, keys.size());
    EXPECT_EQ(c.keyframe_needed, 0) << "audio never asks for a keyframe (SIP INFO)";
    EXPECT_TRUE(c.errors.empty()) << c.errors.front();
    c.call.reset();  // stops the pipeline before the stand-in goes
}

// A caller that first talks to the IVR (which encodes its prompts) and then joins its
// meeting: the same sockets get a bridge pipeline that forwards its Opus.
TEST(SipAudioPassthrough, IvrThenMeetingSwitchesToForwarding) {
    Call c(test_config());
    ASSERT_TRUE(c.call);
    FarEnd far({.audio_codec = "opus", .tone_hz = 1000});
    const auto ports = c.call->local_ports();
    ASSERT_TRUE(far.start(ports).ok());
    ASSERT_TRUE(c.call->start(far.negotiated(ports), media::Mode::Ivr).ok());
    EXPECT_FALSE(c.call->passthrough_audio());
    ASSERT_TRUE(c.loop.run_until(
        [&] {
            const auto s = c.call->stats().audio;
            return s->packets_in >= 25 && s->frames_encoded >= 25;  // prompts/silence encoded
        },
        kDeadlineMs));
    ASSERT_TRUE(c.call->start(far.negotiated(ports), media::Mode::Bridge).ok());
    EXPECT_TRUE(c.call->passthrough_audio());
    AudioPageStandIn page("t1", 660);
    ASSERT_TRUE(c.loop.run_until(
        [&] {
            page.drain();
            return page.samples.size() >= 32000;
        },
        kDeadlineMs));
    expect_tone(page.samples, 1000);
    const auto s = c.call->stats().audio;
    EXPECT_EQ(s->frames_decoded, 0U) << "the bridge pipeline decodes nothing";
    EXPECT_GE(s->frames_to_page, 100U);
    c.call.reset();
}

// G.722/PCMU/PCMA callers, and Opus with the switch off, keep the transcoding path (the
// counters that stay 0 above count here).
TEST(SipAudioPassthroughOff, OtherCodecsAndTheSwitchTranscode) {
    for (const auto& [codec, on] : {std::pair{"G722", true}, std::pair{"opus", false}}) {
        SCOPED_TRACE(codec);
        auto cfg = test_config();
        cfg.audio_passthrough = on;
        Call c(cfg);
        ASSERT_TRUE(c.call);
        FarEnd far({.audio_codec = codec});
        ASSERT_TRUE(far.start(c.call->local_ports()).ok());
        ASSERT_TRUE(c.call->start(far.negotiated(c.call->local_ports()), media::Mode::Bridge).ok());
        EXPECT_FALSE(c.call->passthrough_audio());
        ASSERT_TRUE(c.loop.run_until(
            [&] {
                const auto s = c.call->stats().audio;
                return s->frames_decoded >= 10 && s->frames_encoded >= 10;
            },
            kDeadlineMs));
        EXPECT_FALSE(c.call->stats().audio->passthrough);
    }
}

TEST(PassthroughChoice, OnlyOpusAudioPassesAndHasNoCodecInItsChains) {
    core::MediaConfig on;
    sip::NegotiatedStream a;
    a.kind = sip::MediaKind::Audio;
    for (const char* name : {"G722", "PCMU", "PCMA"}) {
        a.codec.name = name;
        EXPECT_FALSE(media::choose_audio_passthrough(on, a)) << name;
    }
    a.codec.name = "opus";
    EXPECT_TRUE(media::choose_audio_passthrough(on, a));
    core::MediaConfig off;
    off.audio_passthrough = false;
    EXPECT_FALSE(media::choose_audio_passthrough(off, a));
    for (const auto& d : {media::audio_passthrough_receive_description(),
                          media::audio_passthrough_send_description(111),
                          media::audio_passthrough_link_send_description(97),
                          media::audio_passthrough_link_receive_description()}) {
        EXPECT_EQ(d.find("dec"), std::string::npos) << d;
        EXPECT_EQ(d.find("enc"), std::string::npos) << d;
    }
}

sip::NegotiatedStream h264(const std::string& plid, const std::string& mode) {
    sip::NegotiatedStream s;
    s.kind = sip::MediaKind::Video;
    s.codec.name = "H264";
    if (!plid.empty()) s.codec.remote_params["profile-level-id"] = plid;
    if (!mode.empty()) s.codec.remote_params["packetization-mode"] = mode;
    return s;
}

TEST(PassthroughChoice, ProfilesChromiumEncodesAndDecodesPass) {
    core::MediaConfig on;
    const media::VideoFormat f{640, 360, 30, 800};
    for (const char* plid : {"42e01f", "42c01f", "42801f", "42001f", "4d001f", "4d401f"}) {
        auto p = media::choose_passthrough(on, h264(plid, "1"), f);
        ASSERT_TRUE(p) << plid;
        EXPECT_EQ(p->profile_level_id, plid);
        EXPECT_FALSE(p->single_nal);
        EXPECT_EQ(p->limits.width, 640U);
    }
    EXPECT_TRUE(media::choose_passthrough(on, h264("42e01f", "0"), f)->single_nal);
    EXPECT_TRUE(media::choose_passthrough(on, h264("42e01f", ""), f)->single_nal);  // default 0
    EXPECT_EQ(media::choose_passthrough(on, h264("", "1"), f)->profile_level_id, "42001f");
    sip::NegotiatedStream vp8;
    vp8.codec.name = "VP8";
    EXPECT_TRUE(media::choose_passthrough(on, vp8, f));
}

TEST(PassthroughChoice, OtherProfilesAndTheSwitchTranscode) {
    core::MediaConfig on;
    const media::VideoFormat f{640, 360, 30, 800};
    EXPECT_FALSE(media::choose_passthrough(on, h264("640c1f", "1"), f));  // High
    EXPECT_FALSE(media::choose_passthrough(on, h264("f4001f", "1"), f));  // High 4:4:4
    EXPECT_FALSE(media::choose_passthrough(on, h264("42e0", "1"), f));    // malformed
    EXPECT_FALSE(media::choose_passthrough(on, h264("zzzzzz", "1"), f));
    core::MediaConfig off;
    off.video_passthrough = false;
    EXPECT_FALSE(media::choose_passthrough(off, h264("42e01f", "1"), f));
}

TEST(PassthroughChoice, LinkOffersTheCallersCodecAndMode) {
    media::PassthroughVideo p{"H264", "42801f", true, {}};
    // The payloader's caps name the codec only (rtph264pay derives profile and mode from the
    // SPS); the offer's fmtp carries the caller's.
    const std::string caps = media::passthrough_link_caps(p, 96);
    EXPECT_NE(caps.find("encoding-name=H264"), std::string::npos);
    EXPECT_EQ(caps.find("profile-level-id"), std::string::npos);
    auto fmtp = media::passthrough_link_fmtp(p);
    EXPECT_EQ(fmtp["packetization-mode"], "0");
    EXPECT_EQ(fmtp["profile-level-id"], "42801f");
    p.single_nal = false;
    EXPECT_EQ(media::passthrough_link_fmtp(p)["packetization-mode"], "1");
    // No decoder or encoder anywhere in a passthrough chain.
    for (const auto& codec : {"H264", "VP8"}) {
        media::PassthroughVideo v{codec, "42e01f", false, {}};
        for (const auto& d :
             {media::passthrough_receive_description(v), media::passthrough_send_description(v, 97),
              media::passthrough_link_send_description(v, 96),
              media::passthrough_link_receive_description(v)}) {
            EXPECT_EQ(d.find("dec"), std::string::npos) << d;
            EXPECT_EQ(d.find("enc"), std::string::npos) << d;
        }
    }
}

}  // namespace
}  // namespace media_test
