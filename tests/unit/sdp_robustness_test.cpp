// Bad input never crashes the negotiator: seeded mutations and truncations of real offers either
// negotiate (and then our answer parses back) or fail with 400/488.
#include "sip/info_body.hpp"
#include "sip/offer_answer.hpp"
#include "sip/sdp.hpp"

#include <gtest/gtest.h>

#include <random>

namespace {

const std::string kOffer =
    "v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nb=AS:2000\r\nt=0 0\r\n"
    "m=audio 4000 RTP/AVP 111 0 101\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1\r\n"
    "a=rtpmap:101 telephone-event/48000\r\na=rtcp:4001 IN IP4 10.0.0.5\r\na=rtcp-mux\r\n"
    "m=video 5000 RTP/AVPF 96 97 98\r\nb=TIAS:1000000\r\na=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1\r\n"
    "a=rtpmap:97 H264/90000\r\na=fmtp:97 profile-level-id=4d0033\r\na=rtpmap:98 VP8/90000\r\n"
    "a=rtcp-fb:* nack\r\na=rtcp-fb:96 nack pli\r\na=rtcp-fb:98 ccm fir\r\na=sendonly\r\n";

const sip::LocalMediaPorts kPorts{"127.0.0.1", 20000, 20001, 20002, 20003};

void check(const std::string& text) {
    auto n = sip::answer_offer(text, {}, kPorts, sip::SdpOrigin{1, 1});
    if (n.ok()) {
        EXPECT_TRUE(sip::parse_sdp(n.sdp).ok()) << "our answer does not parse:\n" << n.sdp;
        EXPECT_TRUE(n.media.audio || n.media.video);
    } else {
        EXPECT_TRUE(n.failure->status == 400 || n.failure->status == 488) << n.failure->status;
        EXPECT_FALSE(n.failure->reason.empty());
    }
}

TEST(SdpRobustness, EveryTruncation) {
    for (size_t len = 0; len <= kOffer.size(); ++len) check(kOffer.substr(0, len));
}

TEST(SdpRobustness, SeededMutations) {
    std::mt19937 rng(4028);  // fixed seed: failures reproduce
    const std::string alphabet = "0123456789 =:/;-*\r\nabcvmoAZ\xff";
    for (int i = 0; i < 3000; ++i) {
        std::string s = kOffer;
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits; ++e) {
            const size_t pos = rng() % s.size();
            switch (rng() % 3) {
                case 0:
                    s[pos] = alphabet[rng() % alphabet.size()];
                    break;
                case 1:
                    s.erase(pos, 1 + rng() % 8);
                    break;
                default:
                    s.insert(pos, 1, alphabet[rng() % alphabet.size()]);
                    break;
            }
            if (s.empty()) s = "v";
        }
        check(s);
    }
}

TEST(SdpRobustness, InfoBodiesNeverThrow) {
    std::mt19937 rng(5168);
    const std::string base = "Signal=5\r\nDuration=160\r\n";
    for (int i = 0; i < 1000; ++i) {
        std::string s = base;
        s[rng() % s.size()] = static_cast<char>(rng() % 256);
        for (const char* type :
             {"application/dtmf-relay", "application/dtmf", "application/media_control+xml"}) {
            EXPECT_NO_THROW((void)sip::parse_info_body(type, s));
        }
    }
}

}  // namespace
