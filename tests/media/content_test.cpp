// The content line (issue 14, docs/content.md) as a real RTP stream of its own: a room's
// slides, sent by a GStreamer far end on the a=content:slides line next to the main video,
// come back on that line in the echo room (decoded and encoded again, counted under the
// content stats); in bridge mode nothing goes out on it until the gateway holds the floor.
#include "far_end.hpp"
#include "media/engine.hpp"
#include "support/rtp_video_peer.hpp"
#include "test_call.hpp"
#include "test_loop.hpp"

#include <gtest/gtest.h>

#include <string>

namespace media_test {
namespace {

constexpr uint8_t kContentPt = 100;

// What the gateway's SDP answer would settle for the room's content line.
sip::NegotiatedStream content_line(const testsupport::RtpVideoPeer& room,
                                   const sip::LocalMediaPorts& gw) {
    sip::NegotiatedStream s;
    s.kind = sip::MediaKind::Video;
    s.remote_address = "127.0.0.1";
    s.remote_rtp_port = room.port();
    s.remote_rtcp_port = static_cast<uint16_t>(room.port() + 1);
    s.local_rtp_port = gw.content_rtp;
    s.local_rtcp_port = gw.content_rtcp;
    s.codec = {.name = "VP8", .payload_type = kContentPt, .clock_rate = 90000};
    s.feedback.pli = true;
    s.avpf = true;
    return s;
}

TEST(ContentLine, EchoedOnItsOwnLineNextToTheMainVideo) {
    Call c(test_config());
    ASSERT_TRUE(c.call);
    FarEnd far({.audio_codec = "PCMU", .video_codec = "VP8"});
    testsupport::RtpVideoPeer room;
    const auto ports = c.call->local_ports();
    ASSERT_NE(ports.content_rtp, 0);
    ASSERT_TRUE(far.start(ports).ok());
    auto media = far.negotiated(ports);
    media.content = content_line(room, ports);
    // Slides: a pattern unlike the far end's camera.
    room.start("127.0.0.1", ports.content_rtp, "checkers-8", kContentPt);
    auto st = c.call->start(media, media::Mode::Echo);
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_TRUE(c.call->content_active());

    const bool done =
        c.loop.run_until([&] { return room.frames() >= 15 && far.video_frames() >= 15; }, 60000);
    EXPECT_TRUE(done) << "content frames back " << room.frames() << ", main video frames back "
                      << far.video_frames();
    EXPECT_TRUE(c.errors.empty()) << c.errors.front();
    const auto s = c.call->stats();
    ASSERT_TRUE(s.video && s.content);
    EXPECT_GT(s.content->packets_in, 15U);
    EXPECT_GT(s.content->packets_out, 15U);
    EXPECT_GE(s.content->frames_decoded, 15U);
    EXPECT_GE(s.content->frames_encoded, 15U);
    EXPECT_GT(c.call->content_last_rtp_ms(), 0);
    // The main video is the far end's own, not the content.
    EXPECT_GE(s.video->frames_decoded, 15U);
}

// A content line that a re-INVITE adds to a call that had none (endpoints that add it when
// they start presenting): update() brings it up, and the room's slides flow on it.
TEST(ContentLine, AddedByReInviteFlows) {
    Call c(test_config());
    ASSERT_TRUE(c.call);
    FarEnd far({.audio_codec = "PCMU", .video_codec = "VP8"});
    testsupport::RtpVideoPeer room;
    const auto ports = c.call->local_ports();
    ASSERT_TRUE(far.start(ports).ok());
    auto media = far.negotiated(ports);
    auto st = c.call->start(media, media::Mode::Echo);
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_FALSE(c.call->content_active());
    ASSERT_TRUE(c.loop.run_until([&] { return far.video_frames() >= 5; }, 60000));

    media.content = content_line(room, ports);
    room.start("127.0.0.1", ports.content_rtp, "checkers-8", kContentPt);
    st = c.call->update(media);
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_TRUE(c.call->content_active());
    EXPECT_TRUE(c.loop.run_until(
        [&] {
            const auto s = c.call->stats();
            return room.frames() >= 15 && s.content && s.content->frames_decoded >= 15;
        },
        60000))
        << "content frames back " << room.frames();
    EXPECT_TRUE(c.errors.empty()) << c.errors.front();
}

// A content line that comes and goes by re-INVITE (a room plugging a laptop in and out) is
// added to and taken out of the running pipeline alone: the main audio and video keep their
// rtpbin sessions all along (the far end gets them under one SSRC each; a pipeline made again
// would send under new ones) and keep flowing, and a line added again after its removal flows
// on a session of its own again.
TEST(ContentLine, AddedAndRemovedByReInviteWithoutRestartingAudioAndVideo) {
    Call c(test_config());
    ASSERT_TRUE(c.call);
    FarEnd far({.audio_codec = "PCMU", .video_codec = "VP8"});
    testsupport::RtpVideoPeer room;
    const auto ports = c.call->local_ports();
    ASSERT_TRUE(far.start(ports).ok());
    auto media = far.negotiated(ports);
    auto st = c.call->start(media, media::Mode::Echo);
    ASSERT_TRUE(st.ok()) << st.error().message;
    ASSERT_TRUE(c.loop.run_until(
        [&] { return far.video_frames() >= 5 && !far.gateway_audio_ssrcs().empty(); }, 60000));
    const auto audio_ssrcs = far.gateway_audio_ssrcs();
    const auto video_ssrcs = far.gateway_video_ssrcs();
    ASSERT_EQ(audio_ssrcs.size(), 1U);
    ASSERT_EQ(video_ssrcs.size(), 1U);
    // Audio and video flow on (more frames decoded, more audio echoed) after `what`.
    auto main_media_flows = [&](const char* what) {
        const int frames = far.video_frames();
        const size_t samples = far.audio_sample_count();
        EXPECT_TRUE(c.loop.run_until(
            [&] {
                return far.video_frames() >= frames + 15 &&
                       far.audio_sample_count() >= samples + 16000;
            },
            60000))
            << what << ": video frames " << far.video_frames() - frames << ", audio samples "
            << far.audio_sample_count() - samples;
    };

    // Added: the slides come back on their own line.
    media.content = content_line(room, ports);
    room.start("127.0.0.1", ports.content_rtp, "checkers-8", kContentPt);
    st = c.call->update(media);
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_TRUE(c.call->content_active());
    EXPECT_TRUE(c.loop.run_until([&] { return room.frames() >= 15; }, 60000))
        << "content frames back " << room.frames();
    main_media_flows("content added");

    // Removed (port 0): no content stream any more; audio and video go on.
    media.content->remote_rtp_port = 0;
    st = c.call->update(media);
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_FALSE(c.call->content_active());
    EXPECT_FALSE(c.call->stats().content);
    main_media_flows("content removed");

    // Added again: a new session 2 in the same pipeline.
    media.content = content_line(room, ports);
    const int content_before = room.frames();
    st = c.call->update(media);
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_TRUE(c.call->content_active());
    EXPECT_TRUE(c.loop.run_until([&] { return room.frames() >= content_before + 15; }, 60000))
        << "content frames back after the second add " << room.frames() - content_before;
    main_media_flows("content added again");

    // Structural: the far end got audio and video under the same SSRC all along.
    EXPECT_EQ(far.gateway_audio_ssrcs(), audio_ssrcs);
    EXPECT_EQ(far.gateway_video_ssrcs(), video_ssrcs);
    EXPECT_TRUE(c.errors.empty()) << c.errors.front();
}

// The room's content decoded toward the page (`content_passthrough = false`, and the path of
// codecs that cannot pass), as before content passthrough.
core::MediaConfig decoding_config() {
    core::MediaConfig c = test_config();
    c.content_passthrough = false;
    return c;
}

TEST(ContentLine, BridgeSendsOnlyWhileTheGatewayHoldsTheFloor) {
    Call c(decoding_config());
    ASSERT_TRUE(c.call);
    FarEnd far({.audio_codec = "PCMU", .video_codec = "VP8"});
    testsupport::RtpVideoPeer room;
    const auto ports = c.call->local_ports();
    ASSERT_TRUE(far.start(ports).ok());
    auto media = far.negotiated(ports);
    media.content = content_line(room, ports);
    auto st = c.call->start(media, media::Mode::Bridge);
    ASSERT_TRUE(st.ok()) << st.error().message;
    // A room presents some time into the call, not from its first packet.
    ASSERT_TRUE(c.loop.run_until([&] { return c.call->stats().video->packets_in >= 60; }, 60000));
    room.start("127.0.0.1", ports.content_rtp, "checkers-8", kContentPt);

    // The room's content is received (toward the page) while nothing goes back on its line.
    EXPECT_TRUE(c.loop.run_until(
        [&] {
            const auto s = c.call->stats();
            return s.content && s.content->frames_decoded >= 15;
        },
        60000));
    auto s = c.call->stats();
    ASSERT_TRUE(s.content);
    EXPECT_EQ(s.content->packets_out, 0U) << "content sent without the floor";
    EXPECT_EQ(room.frames(), 0);

    // The meeting shares: the content line carries the page's (here: the empty channel's)
    // picture, decodable by the room.
    c.call->send_content(true);
    EXPECT_TRUE(c.loop.run_until([&] { return room.frames() >= 10; }, 60000))
        << "frames on the content line: " << room.frames();
    c.call->send_content(false);
    // Let what is in flight arrive, then nothing more goes out.
    uint64_t before = 0;
    c.loop.run_until(
        [&] {
            const uint64_t now = c.call->stats().content->packets_out;
            const bool still = now == before;
            before = now;
            return still;
        },
        10000);
    EXPECT_FALSE(
        c.loop.run_until([&] { return c.call->stats().content->packets_out > before; }, 2000))
        << "content still sent after the floor was given up";
    EXPECT_TRUE(c.errors.empty()) << c.errors.front();
}

// A room that sends no audio (muted, or audio on hold while it presents): its content is still
// decoded toward the page for as long as it flows. The bridge's sinks once took part in preroll,
// and the audio one, never fed, held the call's pipeline in PAUSED as soon as the content sink
// prerolled: two content frames were decoded, then none (the meeting saw black).
TEST(ContentLine, BridgeDecodesTheContentOfARoomThatSendsNoAudio) {
    Call c(decoding_config());
    ASSERT_TRUE(c.call);
    FarEnd far({.audio_codec = "PCMU", .video_codec = "VP8", .send_media = false});
    testsupport::RtpVideoPeer camera;
    testsupport::RtpVideoPeer room;
    const auto ports = c.call->local_ports();
    ASSERT_TRUE(far.start(ports).ok());
    auto media = far.negotiated(ports);
    ASSERT_TRUE(media.video);
    media.video->remote_rtp_port = camera.port();
    media.video->remote_rtcp_port = static_cast<uint16_t>(camera.port() + 1);
    media.content = content_line(room, ports);
    camera.start("127.0.0.1", ports.video_rtp, "green", media.video->codec.payload_type);
    auto st = c.call->start(media, media::Mode::Bridge);
    ASSERT_TRUE(st.ok()) << st.error().message;
    ASSERT_TRUE(c.loop.run_until([&] { return c.call->stats().video->packets_in >= 30; }, 60000));
    room.start("127.0.0.1", ports.content_rtp, "blue", kContentPt);

    EXPECT_TRUE(c.loop.run_until(
        [&] {
            const auto s = c.call->stats();
            return s.content && s.content->frames_decoded >= 60;
        },
        90000))
        << "content frames decoded: " << c.call->stats().content->frames_decoded
        << ", packets in: " << c.call->stats().content->packets_in;
    EXPECT_EQ(c.call->stats().audio->packets_in, 0U);
    EXPECT_TRUE(c.errors.empty()) << c.errors.front();
}

// Content passthrough (the default, docs/content.md "Content media"): the room's VP8 goes
// toward the page as it came, into the content line's encoded channel, where the link's
// content track takes it; the gateway decodes none of it. The meeting's share toward the room
// is still encoded here at the content line's codec (the floor test above, with decoding).
TEST(ContentLine, BridgePassesTheRoomContentToThePageWithoutDecoding) {
    Call c(test_config());
    ASSERT_TRUE(c.call);
    FarEnd far({.audio_codec = "PCMU", .video_codec = "VP8"});
    testsupport::RtpVideoPeer room;
    const auto ports = c.call->local_ports();
    ASSERT_TRUE(far.start(ports).ok());
    auto media = far.negotiated(ports);
    media.content = content_line(room, ports);
    auto st = c.call->start(media, media::Mode::Bridge);
    ASSERT_TRUE(st.ok()) << st.error().message;
    const auto p = c.call->passthrough_content();
    ASSERT_TRUE(p);
    EXPECT_EQ(p->codec, "VP8");
    room.start("127.0.0.1", ports.content_rtp, "blue", kContentPt);

    EXPECT_TRUE(c.loop.run_until(
        [&] {
            const auto s = c.call->stats();
            return s.content && s.content->frames_to_page >= 60;
        },
        90000))
        << "content frames to the page: " << c.call->stats().content->frames_to_page
        << ", packets in: " << c.call->stats().content->packets_in;
    const auto s = c.call->stats();
    ASSERT_TRUE(s.content);
    EXPECT_TRUE(s.content->passthrough);
    EXPECT_EQ(s.content->frames_decoded, 0U) << "the gateway decoded the room's content";
    EXPECT_EQ(s.content->packets_out, 0U) << "content sent without the floor";
    EXPECT_TRUE(c.errors.empty()) << c.errors.front();
}

}  // namespace
}  // namespace media_test
