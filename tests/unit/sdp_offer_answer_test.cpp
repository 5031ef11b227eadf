// SDP offer/answer rules (issue 2): H.264 modes and profiles, telephone-event, rtcp-fb, hold,
// rtcp-mux, bandwidth, rejections with port 0, 488 and 400.
#include "sip/offer_answer.hpp"
#include "sip/sdp.hpp"

#include <gtest/gtest.h>

namespace {

using sip::Direction;

const sip::LocalMediaPorts kPorts{"127.0.0.1", 20000, 20001, 20002, 20003};

std::string offer(const std::string& media, const std::string& conn = "10.0.0.5") {
    return "v=0\r\no=- 1 1 IN IP4 " + conn + "\r\ns=-\r\nc=IN IP4 " + conn + "\r\nt=0 0\r\n" +
           media;
}

const std::string kAudioPcmu =
    "m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 "
    "telephone-event/8000\r\na=fmtp:101 0-15\r\n";

sip::Negotiation answer(const std::string& sdp, sip::CodecPreferences prefs = {}) {
    return sip::answer_offer(sdp, prefs, kPorts, sip::SdpOrigin{42, 1});
}

std::string fmtp_of(const sip::Negotiation& n, int pt) {
    auto parsed = sip::parse_sdp(n.sdp);
    EXPECT_TRUE(parsed.ok());
    for (const auto& m : parsed->media)
        for (const auto& a : m.attributes)
            if (a.name == "fmtp" && a.value.rfind(std::to_string(pt) + " ", 0) == 0)
                return a.value.substr(a.value.find(' ') + 1);
    return {};
}

TEST(OfferAnswer, AudioOnlyPcmuWithTelephoneEvent) {
    auto n = answer(offer(kAudioPcmu));
    ASSERT_TRUE(n.ok()) << n.failure->detail;
    ASSERT_TRUE(n.media.audio);
    EXPECT_FALSE(n.media.video);
    EXPECT_EQ(n.media.audio->codec.name, "PCMU");
    EXPECT_EQ(n.media.audio->codec.payload_type, 0);
    ASSERT_TRUE(n.media.audio->telephone_event);
    EXPECT_EQ(n.media.audio->telephone_event->payload_type, 101);
    EXPECT_EQ(n.media.audio->remote_address, "10.0.0.5");
    EXPECT_EQ(n.media.audio->remote_rtp_port, 4000);
    EXPECT_EQ(n.media.audio->remote_rtcp_port, 4001);
    EXPECT_EQ(n.media.audio->local_rtp_port, 20000);
    EXPECT_EQ(n.media.audio->direction, Direction::SendRecv);
    EXPECT_NE(n.sdp.find("m=audio 20000 RTP/AVP 0 101\r\n"), std::string::npos) << n.sdp;
    EXPECT_NE(n.sdp.find("a=rtpmap:101 telephone-event/8000"), std::string::npos);
    EXPECT_NE(n.sdp.find("c=IN IP4 127.0.0.1"), std::string::npos);
    EXPECT_NE(n.sdp.find("o=sipmediagw 42 1 IN IP4 127.0.0.1"), std::string::npos);
}

TEST(OfferAnswer, StaticPayloadTypesWithoutRtpmap) {
    auto n = answer(offer("m=audio 4000 RTP/AVP 8 9\r\n"));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n.media.audio->codec.name, "G722");  // our preference: G722 before PCMA
    EXPECT_EQ(n.media.audio->codec.clock_rate, 8000U);
}

TEST(OfferAnswer, OpusPreferredAndTelephoneEventMatchesItsClock) {
    auto n =
        answer(offer("m=audio 4000 RTP/AVP 0 111 101 110\r\na=rtpmap:111 opus/48000/2\r\n"
                     "a=fmtp:111 useinbandfec=1\r\na=rtpmap:101 telephone-event/8000\r\n"
                     "a=rtpmap:110 telephone-event/48000\r\n"));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n.media.audio->codec.name, "opus");
    EXPECT_EQ(n.media.audio->codec.channels, 2);
    ASSERT_TRUE(n.media.audio->telephone_event);
    EXPECT_EQ(n.media.audio->telephone_event->payload_type, 110);
    EXPECT_EQ(n.media.audio->telephone_event->clock_rate, 48000U);
    EXPECT_NE(n.sdp.find("m=audio 20000 RTP/AVP 111 110\r\n"), std::string::npos) << n.sdp;
    EXPECT_EQ(n.media.audio->codec.remote_params.at("useinbandfec"), "1");
}

TEST(OfferAnswer, TelephoneEventOfAnotherClockIsKeptWhenNoneMatches) {
    // baresip and many desk phones offer telephone-event/8000 only, next to opus/48000:
    // dropping it would lose every digit the caller types.
    auto n =
        answer(offer("m=audio 4000 RTP/AVP 111 101\r\na=rtpmap:111 opus/48000/2\r\n"
                     "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n.media.audio->codec.name, "opus");
    ASSERT_TRUE(n.media.audio->telephone_event);
    EXPECT_EQ(n.media.audio->telephone_event->payload_type, 101);
    EXPECT_EQ(n.media.audio->telephone_event->clock_rate, 8000U);
    EXPECT_NE(n.sdp.find("m=audio 20000 RTP/AVP 111 101\r\n"), std::string::npos) << n.sdp;

    auto pcmu =
        answer(offer("m=audio 4000 RTP/AVP 0 110\r\na=rtpmap:110 telephone-event/48000\r\n"));
    ASSERT_TRUE(pcmu.ok());
    EXPECT_EQ(pcmu.media.audio->codec.name, "PCMU");
    ASSERT_TRUE(pcmu.media.audio->telephone_event);
    EXPECT_EQ(pcmu.media.audio->telephone_event->payload_type, 110);
}

TEST(OfferAnswer, TelephoneEventAnswersTheOfferedEvents) {
    auto n = answer(offer(kAudioPcmu));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(fmtp_of(n, 101), "0-15");
    auto bare =
        answer(offer("m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"));
    ASSERT_TRUE(bare.ok());
    EXPECT_EQ(fmtp_of(bare, 101), "0-16");
}

TEST(OfferAnswer, ConfiguredAudioPreferenceOrderWins) {
    sip::CodecPreferences prefs;
    prefs.audio = {"PCMA", "PCMU"};
    auto n = answer(offer("m=audio 4000 RTP/AVP 0 8\r\n"), prefs);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n.media.audio->codec.name, "PCMA");
}

const std::string kVideoModes =
    "m=video 5000 RTP/AVP 96 97\r\n"
    "a=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=42e01f;packetization-mode=0\r\n"
    "a=rtpmap:97 H264/90000\r\na=fmtp:97 profile-level-id=42e01f;packetization-mode=1\r\n";

TEST(OfferAnswer, H264Mode0AnsweredWithMode0) {
    auto n = answer(offer(kAudioPcmu + "m=video 5000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
                                       "a=fmtp:96 profile-level-id=42801f\r\n"));
    ASSERT_TRUE(n.ok());
    ASSERT_TRUE(n.media.video);
    EXPECT_EQ(n.media.video->codec.payload_type, 96);
    EXPECT_EQ(fmtp_of(n, 96), "profile-level-id=42801f;packetization-mode=0");
}

TEST(OfferAnswer, H264Mode1AnsweredWithMode1) {
    auto n =
        answer(offer("m=video 5000 RTP/AVP 97\r\na=rtpmap:97 H264/90000\r\n"
                     "a=fmtp:97 profile-level-id=42e01f;packetization-mode=1\r\n"));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n.media.video->codec.remote_params.at("packetization-mode"), "1");
    EXPECT_EQ(fmtp_of(n, 97), "profile-level-id=42e01f;packetization-mode=1");
}

TEST(OfferAnswer, BothModesOfferedTakesMode1WhateverTheOrder) {
    // baresip, Cisco and Poly room systems list mode 0 first; mode 1 lets the page forward the
    // meeting's video to the caller (docs/sip.md).
    auto n = answer(offer(kVideoModes));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n.media.video->codec.payload_type, 97);
    EXPECT_EQ(n.media.video->codec.remote_params.at("packetization-mode"), "1");
    EXPECT_NE(n.sdp.find("m=video 20002 RTP/AVP 97\r\n"), std::string::npos) << n.sdp;
    EXPECT_EQ(fmtp_of(n, 97), "profile-level-id=42e01f;packetization-mode=1");

    auto mode1_first =
        answer(offer("m=video 5000 RTP/AVP 97 96\r\n"
                     "a=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=42e01f\r\n"
                     "a=rtpmap:97 H264/90000\r\n"
                     "a=fmtp:97 profile-level-id=42e01f;packetization-mode=1\r\n"));
    ASSERT_TRUE(mode1_first.ok());
    EXPECT_EQ(mode1_first.media.video->codec.payload_type, 97);
}

TEST(OfferAnswer, Mode1PreferenceStaysWithinTheConfiguredCodecOrder) {
    // VP8 first in [media] video_codecs: a mode-1 H.264 offered later does not jump ahead.
    sip::CodecPreferences prefs;
    prefs.video = {"VP8", "H264"};
    auto n = answer(offer("m=video 5000 RTP/AVP 96 97 98\r\n"
                          "a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=0\r\n"
                          "a=rtpmap:97 H264/90000\r\na=fmtp:97 packetization-mode=1\r\n"
                          "a=rtpmap:98 VP8/90000\r\n"),
                    prefs);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n.media.video->codec.name, "VP8");
    // Mode 2 offered before mode 0, no mode 1: mode 0.
    auto n0 =
        answer(offer("m=video 5000 RTP/AVP 95 96\r\n"
                     "a=rtpmap:95 H264/90000\r\na=fmtp:95 packetization-mode=2\r\n"
                     "a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=0\r\n"));
    ASSERT_TRUE(n0.ok());
    EXPECT_EQ(n0.media.video->codec.payload_type, 96);
}

TEST(OfferAnswer, H264MainProfileKeptLevelCapped) {
    // 4d0033: main, level 5.1; our default 1280x720@30 needs level 3.1 (0x1f).
    auto n =
        answer(offer("m=video 5000 RTP/AVP 100\r\na=rtpmap:100 H264/90000\r\n"
                     "a=fmtp:100 profile-level-id=4d0033;packetization-mode=1;"
                     "level-asymmetry-allowed=1\r\n"));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(fmtp_of(n, 100),
              "profile-level-id=4d001f;packetization-mode=1;level-asymmetry-allowed=1");
}

TEST(OfferAnswer, H264LowLevelIsNotRaised) {
    auto n =
        answer(offer("m=video 5000 RTP/AVP 100\r\na=rtpmap:100 H264/90000\r\n"
                     "a=fmtp:100 profile-level-id=42e00d\r\n"));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(fmtp_of(n, 100), "profile-level-id=42e00d;packetization-mode=0");
}

TEST(OfferAnswer, H264LevelCapFollowsConfiguredSize) {
    sip::CodecPreferences prefs;
    prefs.video_width = 1920;
    prefs.video_height = 1080;
    EXPECT_EQ(prefs.h264_max_level(), 40);
    prefs.video_width = 640;
    prefs.video_height = 360;
    EXPECT_EQ(prefs.h264_max_level(), 30);
}

TEST(OfferAnswer, H264HighProfileAndMode2AreNotAccepted) {
    auto n =
        answer(offer(kAudioPcmu + "m=video 5000 RTP/AVP 100 101\r\na=rtpmap:100 H264/90000\r\n"
                                  "a=fmtp:100 profile-level-id=640028;packetization-mode=1\r\n"
                                  "a=rtpmap:101 H264/90000\r\n"
                                  "a=fmtp:101 profile-level-id=42e01f;packetization-mode=2\r\n"));
    ASSERT_TRUE(n.ok());
    EXPECT_FALSE(n.media.video);
    EXPECT_NE(n.sdp.find("m=video 0 RTP/AVP 100\r\n"), std::string::npos) << n.sdp;
}

TEST(OfferAnswer, Vp8WhenNoH264) {
    auto n =
        answer(offer("m=video 5000 RTP/AVPF 120\r\na=rtpmap:120 VP8/90000\r\n"
                     "a=rtcp-fb:120 nack pli\r\n"));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n.media.video->codec.name, "VP8");
    EXPECT_TRUE(n.media.video->avpf);
    EXPECT_TRUE(n.media.video->feedback.pli);
    EXPECT_FALSE(n.media.video->feedback.nack);
    EXPECT_NE(n.sdp.find("m=video 20002 RTP/AVPF 120\r\n"), std::string::npos);
}

TEST(OfferAnswer, ConfiguredVideoPreference) {
    sip::CodecPreferences prefs;
    prefs.video = {"VP8", "H264"};
    auto n = answer(
        offer(kVideoModes.substr(0, kVideoModes.find("96 97")) + "96 97 98\r\n" +
              kVideoModes.substr(kVideoModes.find("\r\n") + 2) + "a=rtpmap:98 VP8/90000\r\n"),
        prefs);
    ASSERT_TRUE(n.ok()) << n.failure->detail;
    EXPECT_EQ(n.media.video->codec.name, "VP8");
}

TEST(OfferAnswer, RtcpFeedbackKeptForChosenFormatOnly) {
    auto n =
        answer(offer("m=video 5000 RTP/AVPF 96 97\r\n"
                     "a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n"
                     "a=rtpmap:97 VP8/90000\r\n"
                     "a=rtcp-fb:* nack\r\na=rtcp-fb:96 nack pli\r\na=rtcp-fb:97 ccm fir\r\n"
                     "a=rtcp-fb:96 goog-remb\r\na=rtcp-fb:96 transport-cc\r\n"));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n.media.video->codec.name, "H264");
    EXPECT_TRUE(n.media.video->feedback.nack);
    EXPECT_TRUE(n.media.video->feedback.pli);
    EXPECT_FALSE(n.media.video->feedback.fir);
    EXPECT_NE(n.sdp.find("a=rtcp-fb:96 nack\r\n"), std::string::npos);
    EXPECT_NE(n.sdp.find("a=rtcp-fb:96 nack pli\r\n"), std::string::npos);
    EXPECT_EQ(n.sdp.find("ccm fir"), std::string::npos);
    EXPECT_EQ(n.sdp.find("goog-remb"), std::string::npos);
    EXPECT_EQ(n.sdp.find("transport-cc"), std::string::npos);
}

TEST(OfferAnswer, SendonlyOfferGetsRecvonly) {
    auto n = answer(offer(kAudioPcmu + "a=sendonly\r\n"));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n.media.audio->direction, Direction::RecvOnly);
    EXPECT_NE(n.sdp.find("a=recvonly"), std::string::npos);
}

TEST(OfferAnswer, SessionLevelDirectionApplies) {
    auto n = answer(
        "v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\n"
        "a=recvonly\r\n" +
        kAudioPcmu);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n.media.audio->direction, Direction::SendOnly);
}

TEST(OfferAnswer, InactiveStaysInactive) {
    auto n = answer(offer(kAudioPcmu + "a=inactive\r\n"));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n.media.audio->direction, Direction::Inactive);
    EXPECT_NE(n.sdp.find("a=inactive"), std::string::npos);
}

TEST(OfferAnswer, OldStyleHoldWithZeroAddress) {
    auto n = answer(offer(kAudioPcmu, "0.0.0.0"));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n.media.audio->remote_address, "0.0.0.0");
    EXPECT_EQ(n.media.audio->direction, Direction::RecvOnly);  // never send to 0.0.0.0
}

TEST(OfferAnswer, RtcpMuxAndRtcpAttribute) {
    auto n =
        answer(offer("m=audio 4000 RTP/AVP 0\r\na=rtcp-mux\r\n"
                     "m=video 5000 RTP/AVP 98\r\na=rtpmap:98 VP8/90000\r\n"
                     "a=rtcp:5009 IN IP4 10.0.0.5\r\n"));
    ASSERT_TRUE(n.ok());
    EXPECT_TRUE(n.media.audio->rtcp_mux);
    EXPECT_EQ(n.media.audio->remote_rtcp_port, 4000);
    EXPECT_EQ(n.media.audio->local_rtcp_port, 20000);
    EXPECT_FALSE(n.media.video->rtcp_mux);
    EXPECT_EQ(n.media.video->remote_rtcp_port, 5009);
    EXPECT_EQ(n.media.video->local_rtcp_port, 20003);
    EXPECT_NE(n.sdp.find("a=rtcp-mux"), std::string::npos);
    EXPECT_NE(n.sdp.find("a=rtcp:20003\r\n"), std::string::npos);
}

TEST(OfferAnswer, BandwidthAsAndTias) {
    auto n =
        answer(offer("m=audio 4000 RTP/AVP 0\r\nb=AS:64\r\n"
                     "m=video 5000 RTP/AVP 98\r\nb=AS:800\r\nb=TIAS:750000\r\n"
                     "a=rtpmap:98 VP8/90000\r\n"));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n.media.audio->bandwidth_kbps, 64U);
    EXPECT_EQ(n.media.video->bandwidth_kbps, 750U);
    EXPECT_NE(n.sdp.find("b=AS:2000\r\n"), std::string::npos);
}

TEST(OfferAnswer, UnknownStreamsRejectedWithPortZeroInOrder) {
    auto n = answer(
        offer("m=application 6000 UDP/BFCP *\r\n" + kAudioPcmu + "m=audio 7000 RTP/AVP 0\r\n"));
    ASSERT_TRUE(n.ok());
    auto parsed = sip::parse_sdp(n.sdp);
    ASSERT_TRUE(parsed.ok());
    ASSERT_EQ(parsed->media.size(), 3U);  // one answer line per offered line (RFC 3264 §6)
    EXPECT_EQ(parsed->media[0].port, 0);
    EXPECT_EQ(parsed->media[1].port, 20000);
    EXPECT_EQ(parsed->media[2].port, 0);  // a second audio stream is not ours to take
}

TEST(OfferAnswer, SrtpProfileWithoutCryptoRejected) {
    auto n = answer(offer("m=audio 4000 RTP/SAVP 0\r\n"));
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.failure->status, 488);
}

TEST(OfferAnswer, VideoWithoutCommonCodecRejectedAudioKept) {
    auto n = answer(offer(kAudioPcmu + "m=video 5000 RTP/AVP 99\r\na=rtpmap:99 VP9/90000\r\n"));
    ASSERT_TRUE(n.ok());
    EXPECT_TRUE(n.media.audio);
    EXPECT_FALSE(n.media.video);
    EXPECT_NE(n.sdp.find("m=video 0 RTP/AVP 99"), std::string::npos);
}

TEST(OfferAnswer, NoCommonCodecIs488) {
    auto n = answer(offer("m=audio 4000 RTP/AVP 18 3\r\na=rtpmap:18 G729/8000\r\n"));
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.failure->status, 488);
    EXPECT_EQ(n.failure->reason, "Not Acceptable Here");
    EXPECT_NE(n.failure->detail.find("no common codec"), std::string::npos);
}

TEST(OfferAnswer, NoMediaLinesIs488) {
    auto n = answer(offer(""));
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.failure->status, 488);
}

TEST(OfferAnswer, MalformedIs400) {
    for (const std::string& bad : std::vector<std::string>{
             "hello world", "v=1\r\n", "v=0\r\no=broken\r\n",
             "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n",
             offer("m=audio notaport RTP/AVP 0\r\n"), offer("m=audio 4000\r\n"),
             offer("c=IN IP4\r\n" + kAudioPcmu)}) {
        auto n = answer(bad);
        ASSERT_FALSE(n.ok()) << bad;
        EXPECT_EQ(n.failure->status, 400) << bad;
        EXPECT_EQ(n.failure->reason, "Malformed SDP");
    }
}

TEST(OfferAnswer, LineFeedOnlyIsAccepted) {
    std::string text = offer(kAudioPcmu);
    std::string lf;
    for (char c : text)
        if (c != '\r') lf += c;
    EXPECT_TRUE(answer(lf).ok());
}

TEST(OfferAnswer, BuildOfferThenApplyAnswer) {
    sip::CodecPreferences prefs;
    const std::string ours = sip::build_offer(prefs, kPorts, sip::SdpOrigin{7, 1});
    EXPECT_NE(ours.find("m=audio 20000 RTP/AVP 111 9 0 8 101 110"), std::string::npos) << ours;
    EXPECT_NE(ours.find("packetization-mode=1"), std::string::npos);
    EXPECT_NE(ours.find("packetization-mode=0"), std::string::npos);
    // A peer answering our offer, seen through the answerer path, then applied.
    const sip::LocalMediaPorts peer{"10.0.0.9", 30000, 30001, 30002, 30003};
    auto their = sip::answer_offer(ours, prefs, peer, sip::SdpOrigin{9, 1});
    ASSERT_TRUE(their.ok());
    auto n = sip::apply_answer(their.sdp, prefs, kPorts);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n.media.audio->codec.name, "opus");
    EXPECT_EQ(n.media.audio->remote_address, "10.0.0.9");
    EXPECT_EQ(n.media.audio->remote_rtp_port, 30000);
    EXPECT_EQ(n.media.video->codec.name, "H264");
    EXPECT_EQ(n.media.video->codec.payload_type, 96);
    EXPECT_TRUE(n.media.video->feedback.pli);
}

TEST(OfferAnswer, ApplyAnswerRejectingEverythingIs488) {
    auto n = sip::apply_answer(offer("m=audio 0 RTP/AVP 0\r\n"), {}, kPorts);
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.failure->status, 488);
}

}  // namespace
