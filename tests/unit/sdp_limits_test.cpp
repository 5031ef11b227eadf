// Hostile SDP (issue 10): bounds on size, m= lines, formats and attributes answered 488 before
// any per-format work; linear work inside the bounds (counted, not timed); c= takes IP
// literals only, so nothing from the peer reaches a blocking resolver.
#include "sip/offer_answer.hpp"
#include "sip/sdp.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

const sip::LocalMediaPorts kPorts{"127.0.0.1", 20000, 20001, 20002, 20003};

std::string head(const std::string& conn = "IN IP4 10.0.0.5") {
    return "v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=" + conn + "\r\nt=0 0\r\n";
}

sip::Negotiation answer(const std::string& sdp) {
    return sip::answer_offer(sdp, sip::CodecPreferences{}, kPorts, sip::SdpOrigin{42, 1});
}

// The offer of the review (finding 1): ~15,000 formats that match no codec and ~1,100 fmtp
// lines, 64 KiB, as one INVITE over TCP carries it. Before the bounds it cost 0.5-0.9 s of
// control thread and was answered 200.
std::string attack_offer() {
    std::string s = head() + "m=audio 4000 RTP/AVP";
    for (int i = 0; i < 15000; ++i) s += " 0";
    s += "\r\na=rtpmap:0 PCMU/8000\r\n";
    while (s.size() < 64 * 1024 - 32) s += "a=fmtp:0 x=1;y=2;z=3;w=4;v=5\r\n";
    return s;
}

TEST(SdpLimits, AttackOfferIsRefusedWith488) {
    const std::string offer = attack_offer();
    ASSERT_GT(offer.size(), 60U * 1024);
    auto n = answer(offer);
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.failure->status, 488);
    EXPECT_EQ(n.failure->reason, "SDP Exceeds Limits");
    EXPECT_NE(n.failure->detail.find("bytes exceeds"), std::string::npos) << n.failure->detail;
    EXPECT_EQ(n.work, 0U);  // refused before any format was looked at
}

TEST(SdpLimits, TooManyFormatsOnOneLine) {
    std::string s = head() + "m=audio 4000 RTP/AVP";
    for (size_t i = 0; i <= sip::SdpLimits::max_formats; ++i) s += " 0";
    auto n = answer(s + "\r\n");
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.failure->status, 488);
    EXPECT_NE(n.failure->detail.find("formats on one m= line"), std::string::npos);
}

TEST(SdpLimits, TooManyAttributes) {
    std::string s = head() + "m=audio 4000 RTP/AVP 0\r\n";
    for (size_t i = 0; i <= sip::SdpLimits::max_attributes; ++i) s += "a=fmtp:0 x\r\n";
    auto n = answer(s);
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.failure->status, 488);
    EXPECT_NE(n.failure->detail.find("a= lines"), std::string::npos);

    std::string session = head();
    for (size_t i = 0; i <= sip::SdpLimits::max_session_attributes; ++i) session += "a=x\r\n";
    auto m = answer(session + "m=audio 4000 RTP/AVP 0\r\n");
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.failure->status, 488);
}

TEST(SdpLimits, TooManyMediaLinesAndBandwidths) {
    std::string s = head();
    for (size_t i = 0; i <= sip::SdpLimits::max_media; ++i) s += "m=audio 4000 RTP/AVP 0\r\n";
    auto n = answer(s);
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.failure->status, 488);
    EXPECT_NE(n.failure->detail.find("m= lines"), std::string::npos);

    std::string b = head() + "m=audio 4000 RTP/AVP 0\r\n";
    for (size_t i = 0; i <= sip::SdpLimits::max_bandwidths; ++i) b += "b=AS:64\r\n";
    auto m = answer(b);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.failure->status, 488);
}

// At the bounds, the work is the number of lines, not their product: every format against
// every attribute would be 64 × 512 = 32,768 visits.
TEST(SdpLimits, WorkIsLinearAtTheBounds) {
    std::string s = head() + "m=audio 4000 RTP/AVP";
    for (size_t i = 0; i < sip::SdpLimits::max_formats; ++i) s += " " + std::to_string(64 + i);
    s += "\r\n";
    for (size_t i = 0; i < sip::SdpLimits::max_attributes; ++i)
        s += "a=fmtp:" + std::to_string(64 + i % 64) + " a=1;b=2\r\n";
    ASSERT_LE(s.size(), sip::SdpLimits::max_bytes);
    auto n = answer(s);
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.failure->status, 488);  // no codec among unmapped dynamic types
    EXPECT_LE(n.work, sip::SdpLimits::max_formats + sip::SdpLimits::max_attributes);
    EXPECT_GT(n.work, 0U);
}

// A browser-sized offer (about what a WebRTC endpoint behind a SIP gateway sends) stays inside
// the bounds.
TEST(SdpLimits, LargeLegitimateOfferIsAnswered) {
    std::string s = head() +
                    "m=audio 4000 RTP/AVP 111 63 9 0 8 13 110 126\r\n"
                    "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n"
                    "a=rtpmap:0 PCMU/8000\r\na=rtpmap:126 telephone-event/8000\r\n"
                    "m=video 4002 RTP/AVPF";
    for (int pt = 96; pt < 96 + 40; ++pt) s += " " + std::to_string(pt);
    s += "\r\n";
    for (int pt = 96; pt < 96 + 40; ++pt) {
        const std::string p = std::to_string(pt);
        s += "a=rtpmap:" + p + (pt % 2 == 0 ? " H264/90000\r\n" : " rtx/90000\r\n");
        s += "a=fmtp:" + p +
             (pt % 2 == 0 ? " profile-level-id=42e01f;packetization-mode=1\r\n"
                          : " apt=" + std::to_string(pt - 1) + "\r\n");
        for (const char* fb : {"goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"})
            s += "a=rtcp-fb:" + p + " " + fb + "\r\n";
    }
    auto n = answer(s);
    ASSERT_TRUE(n.ok()) << n.failure->detail;
    ASSERT_TRUE(n.media.video);
    EXPECT_EQ(n.media.video->codec.name, "H264");
    EXPECT_TRUE(n.media.video->feedback.pli);
}

TEST(SdpLimits, HostNameInConnectionIsRefused) {
    for (const std::string conn : {"IN IP4 slow.attacker.example", "IN IP4 localhost",
                                   "IN IP6 1.2.3.4", "IN IP4 ::1", "IN IP4 10.0.0.5.nip.io"}) {
        auto n = answer(head(conn) + "m=audio 4000 RTP/AVP 0\r\n");
        ASSERT_FALSE(n.ok()) << conn;
        EXPECT_EQ(n.failure->status, 488) << conn;
        EXPECT_EQ(n.failure->reason, "SDP Address Must Be An IP") << conn;
    }
    // The media-level c= too.
    auto m = answer(head() + "m=audio 4000 RTP/AVP 0\r\nc=IN IP4 media.example\r\n");
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.failure->status, 488);
    // And in an answer to our offer.
    auto a = sip::apply_answer(head("IN IP4 peer.example") + "m=audio 4000 RTP/AVP 0\r\n",
                               sip::CodecPreferences{}, kPorts);
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.failure->status, 488);
}

TEST(SdpLimits, IpLiteralsAreAccepted) {
    for (const std::string conn : {"IN IP4 192.0.2.7", "IN IP4 0.0.0.0", "IN IP6 2001:db8::7",
                                   "IN IP6 ::", "IN IP4 224.2.1.1/127"}) {
        auto n = answer(head(conn) + "m=audio 4000 RTP/AVP 0\r\n");
        EXPECT_TRUE(n.ok()) << conn << ": " << n.failure->detail;
    }
    EXPECT_TRUE(sip::is_ip_literal("127.0.0.1", "IP4"));
    EXPECT_FALSE(sip::is_ip_literal("127.1", "IP4"));  // inet_aton shorthand is not a literal
    EXPECT_FALSE(sip::is_ip_literal("", "IP4"));
    EXPECT_FALSE(sip::is_ip_literal("fe80::1%eth0", "IP6"));
}

TEST(SdpLimits, RepeatedPayloadTypesCountOnce) {
    auto n = answer(head() +
                    "m=audio 4000 RTP/AVP 0 0 0 0 101 101\r\n"
                    "a=rtpmap:101 telephone-event/8000\r\n");
    ASSERT_TRUE(n.ok());
    auto parsed = sip::parse_sdp(n.sdp);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->media.at(0).formats, (std::vector<std::string>{"0", "101"}));
}

// Peer values that used to be cast or echoed: 256 channels (became 0), a clock of 0.
TEST(SdpLimits, ImpossibleRtpmapsAreIgnored) {
    auto n = answer(head() +
                    "m=audio 4000 RTP/AVP 96 0 101\r\n"
                    "a=rtpmap:96 opus/48000/256\r\na=rtpmap:101 telephone-event/0\r\n");
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n.media.audio->codec.name, "PCMU");
    EXPECT_FALSE(n.media.audio->telephone_event);
}

}  // namespace
