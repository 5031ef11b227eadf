// The link's video payload type follows the page's own numbering (media/passthrough.hpp,
// link_payload_type): forwarded frames keep it into the meeting.
#include "media/passthrough.hpp"

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
