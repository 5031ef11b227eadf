// The link's video payload type follows the page's own numbering (media/passthrough.hpp,
// link_payload_type): forwarded frames keep it into the meeting.
#include "media/passthrough.hpp"
#include "media/webrtc_link.hpp"

#include <gtest/gtest.h>

namespace {

using media::NativeVideoFormat;

// What Debian's Chromium 156 offers for one video transceiver (rtx, red and ulpfec left out).
std::vector<NativeVideoFormat> chromium156() {
    const auto h264 = [](unsigned pt, const char* mode, const char* plid) {
        return NativeVideoFormat{pt, "H264",
                                 std::string("level-asymmetry-allowed=1;packetization-mode=") +
                                     mode + ";profile-level-id=" + plid};
    };
    return {{96, "VP8", ""},
            h264(102, "1", "42001f"),
            h264(104, "0", "42001f"),
            h264(108, "1", "42e01f"),
            h264(114, "0", "42e01f"),
            h264(116, "1", "4d001f"),
            h264(39, "0", "4d001f"),
            {45, "AV1", "level-idx=5;profile=0;tier=0"},
            {98, "VP9", "profile-id=0"}};
}

media::PassthroughVideo h264(const std::string& plid, bool single_nal = false) {
    media::PassthroughVideo v;
    v.codec = "H264";
    v.profile_level_id = plid;
    v.single_nal = single_nal;
    return v;
}

TEST(MediaLinkPayloadType, TakesChromiumsNumberForTheCallersProfileInMode1) {
    const auto native = chromium156();
    EXPECT_EQ(media::link_payload_type(h264("42e01f"), native), 108U);
    EXPECT_EQ(media::link_payload_type(h264("42E01F"), native), 108U);
    EXPECT_EQ(media::link_payload_type(h264("42e01e"), native), 108U);  // the level is not matched
    EXPECT_EQ(media::link_payload_type(h264("42001f"), native), 102U);
    EXPECT_EQ(media::link_payload_type(h264("4d001f"), native), 116U);
    // A mode-0 caller: the meeting side forwards in mode 1, which carries any NAL unit.
    EXPECT_EQ(media::link_payload_type(h264("42e01f", true), native), 108U);
}

TEST(MediaLinkPayloadType, OtherBaselineFlagsTakeConstrainedBaseline) {
    EXPECT_EQ(media::link_payload_type(h264("42801f"), chromium156()), 108U);
}

TEST(MediaLinkPayloadType, Vp8TakesChromiumsVp8Number) {
    media::PassthroughVideo vp8;
    vp8.codec = "VP8";
    EXPECT_EQ(media::link_payload_type(vp8, chromium156()), 96U);
}

TEST(MediaLinkPayloadType, NothingFitsOrTheNumberIsTaken) {
    EXPECT_FALSE(media::link_payload_type(h264("42e01f"), {}));
    EXPECT_FALSE(media::link_payload_type(h264("640c1f"), chromium156()));
    EXPECT_FALSE(media::link_payload_type(h264("42e0"), chromium156()));
    // The link's audio is 111; a static payload type is never a codec's dynamic number.
    EXPECT_FALSE(media::link_payload_type(
        h264("42e01f"), {{111, "H264", "packetization-mode=1;profile-level-id=42e01f"}}));
    EXPECT_FALSE(media::link_payload_type(
        h264("42e01f"), {{26, "H264", "packetization-mode=1;profile-level-id=42e01f"}}));
    // 98 is the link's content track (docs/content.md): bundled, one number, one codec.
    EXPECT_FALSE(media::link_payload_type(
        h264("42e01f"), {{98, "H264", "packetization-mode=1;profile-level-id=42e01f"}}));
    // Mode 0 only: forwarding needs mode 1 in the meeting.
    EXPECT_FALSE(media::link_payload_type(
        h264("42e01f"), {{114, "H264", "packetization-mode=0;profile-level-id=42e01f"}}));
}

TEST(MediaLinkPayloadType, ParsesTheHelloAndSkipsWhatIsMalformed) {
    const auto formats = nlohmann::json::parse(R"([
        {"payloadType": 108, "codec": "H264", "fmtp": "packetization-mode=1;profile-level-id=42e01f"},
        {"payloadType": "108", "codec": "H264"},
        {"payloadType": 300, "codec": "H264"},
        {"payloadType": -1, "codec": "H264"},
        {"payloadType": 96},
        {"payloadType": 96, "codec": 5},
        {"payloadType": 98, "codec": "VP9", "fmtp": 7},
        "VP8",
        null
    ])");
    const auto parsed = media::parse_native_video_formats(formats);
    ASSERT_EQ(parsed.size(), 2U);
    EXPECT_EQ(parsed[0].payload_type, 108U);
    EXPECT_EQ(parsed[0].codec, "H264");
    EXPECT_EQ(parsed[1].codec, "VP9");
    EXPECT_EQ(parsed[1].fmtp, "");
    EXPECT_TRUE(media::parse_native_video_formats(nlohmann::json::object()).empty());
    EXPECT_TRUE(media::parse_native_video_formats(nlohmann::json(nullptr)).empty());
    nlohmann::json many = nlohmann::json::array();
    for (int i = 0; i < 1000; ++i) many.push_back({{"payloadType", 100}, {"codec", "VP8"}});
    EXPECT_EQ(media::parse_native_video_formats(many).size(), 64U);
}

}  // namespace

namespace {

// The content track takes the page's VP8 number (forwarder.js forwards it into a share sender
// the page numbered), unless the main video holds it on the link.
TEST(MediaLinkPayloadType, ContentTakesThePagesVp8NumberWhenTheMainVideoLeavesItFree) {
    // An H.264 caller forwarded: the main video is 108, the content VP8 96.
    EXPECT_EQ(media::content_link_payload_type(chromium156(), 108), 96U);
    // VP8 toward the caller (passthrough or encoded here) is 96 too: the content keeps 98.
    EXPECT_FALSE(media::content_link_payload_type(chromium156(), 96));
    // No VP8 in the page, or a number the link's audio has, or a static one.
    EXPECT_FALSE(media::content_link_payload_type({{108, "H264", ""}}, 96));
    EXPECT_FALSE(media::content_link_payload_type({{111, "VP8", ""}}, 108));
    EXPECT_FALSE(media::content_link_payload_type({{26, "VP8", ""}}, 108));
    EXPECT_EQ(media::content_link_payload_type({{120, "vp8", ""}}, 108), 120U);
}

}  // namespace

namespace {

// The meeting's own number for the caller's codec, listed on the link too (issue 13: Janus
// numbers H.264 107 toward subscribers, the link 108): what the link offers under it, or
// nothing when the caller cannot take the meeting's frames as they are.
TEST(MediaLinkPayloadType, MeetingNumberListedWhenTheCallerTakesItsFrames) {
    const std::string janus = "profile-level-id=42e01f;packetization-mode=1";
    const auto params =
        media::meeting_payload_type_fmtp(h264("42e01f"), 107, "video/H264", janus, 108, 96);
    ASSERT_TRUE(params);
    EXPECT_EQ(params->at("profile-level-id"), "42e01f");
    EXPECT_EQ(params->at("packetization-mode"), "1");
    // Constrained Baseline fits every caller; the same profile_idc fits too.
    EXPECT_TRUE(media::meeting_payload_type_fmtp(h264("4d001f"), 107, "video/H264", janus, 116, 0));
    EXPECT_TRUE(media::meeting_payload_type_fmtp(
        h264("42001f"), 107, "H264", "packetization-mode=1;profile-level-id=42001f", 102, 0));
    // A Main stream to a Baseline caller, the meeting in mode 0, a mode-0 caller.
    EXPECT_FALSE(media::meeting_payload_type_fmtp(
        h264("42e01f"), 107, "video/H264", "profile-level-id=4d001f;packetization-mode=1", 108, 0));
    EXPECT_FALSE(media::meeting_payload_type_fmtp(h264("42e01f"), 107, "video/H264",
                                                  "profile-level-id=42e01f", 108, 0));
    EXPECT_FALSE(
        media::meeting_payload_type_fmtp(h264("42e01f", true), 107, "video/H264", janus, 108, 0));
    // Another codec; a number the link uses (its video, content, audio) or a static one.
    EXPECT_FALSE(media::meeting_payload_type_fmtp(h264("42e01f"), 107, "video/VP8", "", 108, 0));
    EXPECT_FALSE(
        media::meeting_payload_type_fmtp(h264("42e01f"), 108, "video/H264", janus, 108, 0));
    EXPECT_FALSE(
        media::meeting_payload_type_fmtp(h264("42e01f"), 96, "video/H264", janus, 108, 96));
    EXPECT_FALSE(
        media::meeting_payload_type_fmtp(h264("42e01f"), 111, "video/H264", janus, 108, 0));
    EXPECT_FALSE(media::meeting_payload_type_fmtp(h264("42e01f"), 26, "video/H264", janus, 108, 0));
    // VP8: the codec alone.
    media::PassthroughVideo vp8;
    vp8.codec = "VP8";
    const auto v = media::meeting_payload_type_fmtp(vp8, 100, "video/VP8", "", 96, 0);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->empty());
}

// The offer as the page sees it lists the extra number after the link's own, with the same
// feedback, and never a number another m-line of the bundle has.
TEST(MediaLinkPayloadType, ExtraVideoNumberAppendedToTheVideoLine) {
    const std::string sdp =
        "v=0\r\n"
        "m=video 9 UDP/TLS/RTP/SAVPF 108\r\n"
        "a=rtpmap:108 H264/90000\r\n"
        "a=rtcp-fb:108 nack pli\r\n"
        "a=fmtp:108 packetization-mode=1\r\n"
        "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
        "a=rtpmap:111 OPUS/48000/2\r\n";
    const auto out = media::WebRtcLink::with_extra_video_payload_types(
        sdp, {{107, "H264", {{"packetization-mode", "1"}, {"profile-level-id", "42e01f"}}},
              {111, "H264", {}}});
    EXPECT_NE(out.find("m=video 9 UDP/TLS/RTP/SAVPF 108 107\r\n"), std::string::npos) << out;
    const auto at = out.find("a=rtpmap:107 H264/90000\r\n");
    ASSERT_NE(at, std::string::npos) << out;
    EXPECT_LT(at, out.find("m=audio")) << out;
    EXPECT_NE(out.find("a=fmtp:107 packetization-mode=1;profile-level-id=42e01f\r\n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("a=rtcp-fb:107 nack pli\r\n"), std::string::npos) << out;
    EXPECT_EQ(out.find("a=rtpmap:111 H264"), std::string::npos) << out;
    EXPECT_EQ(media::WebRtcLink::with_extra_video_payload_types(sdp, {}), sdp);
}

}  // namespace
