// SDES (RFC 4568) for issue 12: the a=crypto parser against good and hostile lines, and the
// offer/answer rules of [media] srtp (optional, mandatory, off; best effort; dial-out).
#include "sip/sdes.hpp"
#include "sip/offer_answer.hpp"
#include "sip/sdp.hpp"

#include <gtest/gtest.h>

#include <set>

namespace {

using sip::SrtpSuite;

// 30 bytes 0..29 (AES_CM_128 key || salt), in base64.
std::vector<uint8_t> bytes(size_t n, uint8_t first = 0) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(first + i);
    return v;
}
const std::string kKey30 = sip::base64_encode(bytes(30));
const std::string kKey46 = sip::base64_encode(bytes(46));
const std::string kKey28 = sip::base64_encode(bytes(28));
const std::string kKey44 = sip::base64_encode(bytes(44));

TEST(Sdes, Base64RoundTripsAndIsStrict) {
    for (size_t n : {0, 1, 2, 3, 28, 30, 44, 46}) {
        auto b = bytes(n, 200);
        auto back = sip::base64_decode(sip::base64_encode(b));
        ASSERT_TRUE(back) << n;
        EXPECT_EQ(*back, b);
    }
    EXPECT_EQ(sip::base64_encode(bytes(3, 'M' - 0)), "TU5P");
    // Padding may be left out (several endpoints do), but not be wrong.
    auto no_pad = kKey46.substr(0, kKey46.find('='));
    ASSERT_TRUE(sip::base64_decode(no_pad));
    EXPECT_EQ(sip::base64_decode(no_pad)->size(), 46U);
    EXPECT_FALSE(sip::base64_decode("QUJD="));  // padding past a full quantum
    EXPECT_FALSE(sip::base64_decode("QUJDR"));  // one sextet left over
    EXPECT_FALSE(sip::base64_decode("QU JD"));  // whitespace
    EXPECT_FALSE(sip::base64_decode("QUJ*"));   // outside the alphabet
    EXPECT_FALSE(sip::base64_decode("QUJ-"));   // URL-safe alphabet is another encoding
    EXPECT_FALSE(sip::base64_decode("QR=="));   // non-zero leftover bits
}

TEST(Sdes, ParsesEverySuiteWithItsKeyLength) {
    struct Case {
        const char* suite;
        const std::string& key;
        SrtpSuite expected;
        size_t size;
    };
    for (const Case& c :
         {Case{"AES_CM_128_HMAC_SHA1_80", kKey30, SrtpSuite::AesCm128HmacSha1_80, 30},
          Case{"AES_CM_128_HMAC_SHA1_32", kKey30, SrtpSuite::AesCm128HmacSha1_32, 30},
          Case{"AES_256_CM_HMAC_SHA1_80", kKey46, SrtpSuite::Aes256CmHmacSha1_80, 46},
          Case{"AEAD_AES_128_GCM", kKey28, SrtpSuite::AeadAes128Gcm, 28},
          Case{"AEAD_AES_256_GCM", kKey44, SrtpSuite::AeadAes256Gcm, 44}}) {
        auto a = sip::parse_crypto("7 " + std::string(c.suite) + " inline:" + c.key);
        ASSERT_TRUE(a) << c.suite << ": " << a.error().message;
        EXPECT_EQ(a->tag, 7U);
        EXPECT_EQ(a->suite, c.expected);
        EXPECT_EQ(a->key, bytes(c.size));
        EXPECT_EQ(sip::srtp_key_size(c.expected), c.size);
        EXPECT_EQ(sip::srtp_suite_name(c.expected), c.suite);
    }
}

TEST(Sdes, LifetimeAndMkiAreParsed) {
    auto a = sip::parse_crypto("1 AES_CM_128_HMAC_SHA1_80 inline:" + kKey30 + "|2^31|1:4");
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->mki, 1U);
    EXPECT_EQ(a->mki_length, 4);
    EXPECT_EQ(a->lifetime, uint64_t{1} << 31);
    a = sip::parse_crypto("1 AES_CM_128_HMAC_SHA1_80 inline:" + kKey30 + "|1048576");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->mki_length, 0);
    EXPECT_EQ(a->lifetime, 1048576U);
    a = sip::parse_crypto("1 AES_CM_128_HMAC_SHA1_80 inline:" + kKey30 + "|2^16");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->lifetime, 65536U);
    a = sip::parse_crypto("1 AES_CM_128_HMAC_SHA1_80 inline:" + kKey30);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->lifetime, 0U);
    a = sip::parse_crypto("1 AES_CM_128_HMAC_SHA1_80 inline:" + kKey30 + "|255:1");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->mki, 255U);
    EXPECT_EQ(a->mki_length, 1);
    a = sip::parse_crypto("1 AES_CM_128_HMAC_SHA1_80 inline:" + kKey30 + " WSH=64");
    EXPECT_TRUE(a);
}

TEST(Sdes, HostileLinesAreSkippedWithAReason) {
    auto reason = [](const std::string& line) {
        auto a = sip::parse_crypto(line);
        EXPECT_FALSE(a) << line;
        return a ? std::string() : a.error().message;
    };
    const std::string p = "1 AES_CM_128_HMAC_SHA1_80 inline:";
    EXPECT_NE(reason("1 F8_128_HMAC_SHA1_80 inline:" + kKey30).find("not supported"),
              std::string::npos);
    EXPECT_NE(reason(p + "!!!notbase64!!!").find("base64"), std::string::npos);
    EXPECT_NE(reason(p + kKey46).find("46 bytes"), std::string::npos);  // wrong key length
    EXPECT_NE(reason("1 AEAD_AES_128_GCM inline:" + kKey30).find("needs 28"), std::string::npos);
    EXPECT_NE(reason(p + kKey30 + " UNENCRYPTED_SRTP").find("session parameter"),
              std::string::npos);
    EXPECT_NE(reason(p + kKey30 + " KDR=1").find("session parameter"), std::string::npos);
    EXPECT_NE(reason(p + kKey30 + ";inline:" + kKey30).find("several keys"), std::string::npos);
    EXPECT_NE(reason(p + kKey30 + "|2^99").find("lifetime"), std::string::npos);
    EXPECT_NE(reason(p + kKey30 + "|0").find("lifetime"), std::string::npos);
    // Too short to be usable: the peer would re-key every few seconds.
    EXPECT_NE(reason(p + kKey30 + "|2^15").find("under 2^16"), std::string::npos);
    EXPECT_NE(reason(p + kKey30 + "|1000|1:4").find("under 2^16"), std::string::npos);
    EXPECT_NE(reason(p + kKey30 + "|1:0").find("MKI"), std::string::npos);
    EXPECT_NE(reason(p + kKey30 + "|256:1").find("MKI"), std::string::npos);
    EXPECT_NE(reason(p + kKey30 + "|1:200").find("MKI"), std::string::npos);
    EXPECT_NE(reason(p + kKey30 + "|1:4|2:4").find("MKI"), std::string::npos);
    EXPECT_NE(reason(p + kKey30 + "|1:4|2^20").find("lifetime"), std::string::npos);
    EXPECT_NE(reason(p + kKey30 + "|a|b|c").find("'|'"), std::string::npos);
    EXPECT_NE(reason("1 AES_CM_128_HMAC_SHA1_80 uri:http://x/").find("inline"), std::string::npos);
    EXPECT_NE(reason("x AES_CM_128_HMAC_SHA1_80 inline:" + kKey30).find("tag"), std::string::npos);
    EXPECT_NE(reason("1234567890 AES_CM_128_HMAC_SHA1_80 inline:" + kKey30).find("tag"),
              std::string::npos);
    EXPECT_FALSE(sip::parse_crypto(""));
    EXPECT_FALSE(sip::parse_crypto("1"));
    EXPECT_FALSE(sip::parse_crypto(std::string(4000, 'A')));
}

TEST(Sdes, LocalKeysAreRandomDistinctAndSized) {
    auto a = sip::generate_srtp_keys();
    auto b = sip::generate_srtp_keys();
    ASSERT_TRUE(a && b);
    std::set<std::vector<uint8_t>> seen;
    for (unsigned stream : {0U, 1U})
        for (SrtpSuite s : sip::kSrtpSuites) {
            auto k = a->key(stream, s);
            EXPECT_EQ(k.size(), sip::srtp_key_size(s));
            seen.emplace(k.begin(), k.end());
        }
    EXPECT_EQ(seen.size(), 10U);
    EXPECT_NE(std::vector<uint8_t>(a->key(0, SrtpSuite::AesCm128HmacSha1_80).begin(),
                                   a->key(0, SrtpSuite::AesCm128HmacSha1_80).end()),
              std::vector<uint8_t>(b->key(0, SrtpSuite::AesCm128HmacSha1_80).begin(),
                                   b->key(0, SrtpSuite::AesCm128HmacSha1_80).end()));
}

// --- offer/answer ---

sip::LocalMediaPorts ports() {
    sip::LocalMediaPorts p;
    p.address = "127.0.0.1";
    p.audio_rtp = 20000;
    p.audio_rtcp = 20001;
    p.video_rtp = 20002;
    p.video_rtcp = 20003;
    p.srtp_keys = *sip::generate_srtp_keys();
    return p;
}

std::string offer(const std::string& media) {
    return "v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\n" + media;
}

sip::CodecPreferences prefs(sip::SrtpPolicy policy) {
    sip::CodecPreferences p;
    p.srtp = policy;
    return p;
}

sip::Negotiation answer(const std::string& sdp, sip::SrtpPolicy policy,
                        const sip::LocalMediaPorts& p = ports()) {
    return sip::answer_offer(sdp, prefs(policy), p, sip::SdpOrigin{42, 1});
}

std::string audio(const std::string& proto, const std::string& crypto_lines) {
    return "m=audio 4000 " + proto + " 0\r\na=rtpmap:0 PCMU/8000\r\n" + crypto_lines;
}

std::string crypto(int tag, const std::string& suite, const std::string& key) {
    return "a=crypto:" + std::to_string(tag) + " " + suite + " inline:" + key + "\r\n";
}

// Our a=crypto in the answer, parsed.
sip::CryptoAttribute answered_crypto(const sip::Negotiation& n, size_t index = 0) {
    auto parsed = sip::parse_sdp(n.sdp);
    EXPECT_TRUE(parsed.ok());
    auto value = parsed->media.at(index).attribute("crypto");
    EXPECT_TRUE(value.has_value()) << n.sdp;
    auto c = sip::parse_crypto(value.value_or(""));
    EXPECT_TRUE(c.ok());
    return c ? *c : sip::CryptoAttribute{};
}

TEST(SdesOfferAnswer, SavpOfferIsAnsweredWithSrtp) {
    const auto p = ports();
    auto n = answer(offer(audio("RTP/SAVP", crypto(1, "AES_CM_128_HMAC_SHA1_80", kKey30))),
                    sip::SrtpPolicy::Optional, p);
    ASSERT_TRUE(n.ok()) << n.failure->detail;
    EXPECT_NE(n.sdp.find("m=audio 20000 RTP/SAVP 0\r\n"), std::string::npos) << n.sdp;
    const auto& st = *n.media.audio;
    EXPECT_EQ(st.protection, sip::Protection::SdesSrtp);
    ASSERT_TRUE(st.srtp);
    EXPECT_EQ(st.srtp->suite, "AES_CM_128_HMAC_SHA1_80");
    EXPECT_EQ(st.srtp->remote_key, bytes(30));
    const auto ours = answered_crypto(n);
    EXPECT_EQ(ours.tag, 1U);
    EXPECT_EQ(ours.suite, SrtpSuite::AesCm128HmacSha1_80);
    EXPECT_EQ(ours.key, st.srtp->local_key);
    const auto local = p.srtp_keys.key(0, SrtpSuite::AesCm128HmacSha1_80);
    EXPECT_EQ(ours.key, std::vector<uint8_t>(local.begin(), local.end()));
    // A re-offer with the same keys gets the same answer: our key stays for the dialog.
    auto again = answer(offer(audio("RTP/SAVP", crypto(1, "AES_CM_128_HMAC_SHA1_80", kKey30))),
                        sip::SrtpPolicy::Optional, p);
    EXPECT_EQ(again.sdp, n.sdp);
}

TEST(SdesOfferAnswer, SavpfKeepsFeedbackAndTheOfferersFirstUsableLineWins) {
    auto n = answer(
        offer("m=video 5000 RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\n" +
              crypto(1, "F8_128_HMAC_SHA1_80", kKey30) +
              crypto(2, "AES_CM_128_HMAC_SHA1_80", "bad!") + crypto(3, "AEAD_AES_256_GCM", kKey44) +
              crypto(4, "AES_CM_128_HMAC_SHA1_80", kKey30)),
        sip::SrtpPolicy::Optional);
    ASSERT_TRUE(n.ok()) << n.failure->detail;
    ASSERT_TRUE(n.media.video);
    EXPECT_TRUE(n.media.video->avpf);
    EXPECT_TRUE(n.media.video->feedback.pli);
    EXPECT_EQ(n.media.video->srtp->suite, "AEAD_AES_256_GCM");
    EXPECT_NE(n.sdp.find("m=video 20002 RTP/SAVPF 96\r\n"), std::string::npos) << n.sdp;
    EXPECT_EQ(answered_crypto(n).tag, 3U);
    EXPECT_EQ(answered_crypto(n).key.size(), 44U);
    EXPECT_EQ(n.sdp.find("a=crypto:1 "), std::string::npos);  // one line, the chosen tag
}

TEST(SdesOfferAnswer, ClearOfferIsAnsweredInTheClear) {
    auto n = answer(offer(audio("RTP/AVP", "")), sip::SrtpPolicy::Optional);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n.media.audio->protection, sip::Protection::None);
    EXPECT_FALSE(n.media.audio->srtp);
    EXPECT_EQ(n.sdp.find("a=crypto"), std::string::npos);
}

TEST(SdesOfferAnswer, BestEffortCryptoInsideAvpIsAnsweredWithCrypto) {
    // Cisco endpoints: RTP/AVP with a=crypto; the answer keeps the profile and adds ours.
    auto n = answer(offer(audio("RTP/AVP", crypto(1, "AES_CM_128_HMAC_SHA1_32", kKey30))),
                    sip::SrtpPolicy::Optional);
    ASSERT_TRUE(n.ok());
    EXPECT_NE(n.sdp.find("m=audio 20000 RTP/AVP 0\r\n"), std::string::npos);
    EXPECT_EQ(n.media.audio->protection, sip::Protection::SdesSrtp);
    EXPECT_EQ(answered_crypto(n).suite, SrtpSuite::AesCm128HmacSha1_32);
}

TEST(SdesOfferAnswer, SavpWithoutUsableCryptoIs488) {
    for (const std::string& lines : {std::string(), crypto(1, "F8_128_HMAC_SHA1_80", kKey30),
                                     crypto(1, "AES_CM_128_HMAC_SHA1_80", kKey46),
                                     crypto(1, "AES_CM_128_HMAC_SHA1_80", "%%")}) {
        auto n = answer(offer(audio("RTP/SAVP", lines)), sip::SrtpPolicy::Optional);
        ASSERT_FALSE(n.ok()) << lines;
        EXPECT_EQ(n.failure->status, 488);
        EXPECT_NE(n.failure->detail.find("no usable a=crypto"), std::string::npos)
            << n.failure->detail;
    }
}

TEST(SdesOfferAnswer, MandatoryRefusesClearOffersAndTakesBestEffort) {
    auto n = answer(offer(audio("RTP/AVP", "")), sip::SrtpPolicy::Mandatory);
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.failure->status, 488);
    EXPECT_NE(n.failure->detail.find("mandatory"), std::string::npos) << n.failure->detail;
    n = answer(offer(audio("RTP/AVP", crypto(2, "AES_CM_128_HMAC_SHA1_80", kKey30))),
               sip::SrtpPolicy::Mandatory);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n.media.audio->protection, sip::Protection::SdesSrtp);
    // One stream with crypto, one without: the clear one is refused (port 0), the call stays.
    n = answer(offer(audio("RTP/SAVP", crypto(1, "AES_CM_128_HMAC_SHA1_80", kKey30)) +
                     "m=video 5000 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n"),
               sip::SrtpPolicy::Mandatory);
    ASSERT_TRUE(n.ok());
    EXPECT_TRUE(n.media.audio);
    EXPECT_FALSE(n.media.video);
    EXPECT_NE(n.sdp.find("m=video 0 RTP/AVP"), std::string::npos);
}

TEST(SdesOfferAnswer, OffKeepsTodaysAnswers) {
    auto n = answer(offer(audio("RTP/SAVP", crypto(1, "AES_CM_128_HMAC_SHA1_80", kKey30))),
                    sip::SrtpPolicy::Off);
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.failure->status, 488);
    n = answer(offer(audio("RTP/AVP", crypto(1, "AES_CM_128_HMAC_SHA1_80", kKey30))),
               sip::SrtpPolicy::Off);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n.media.audio->protection, sip::Protection::None);
    EXPECT_EQ(n.sdp.find("a=crypto"), std::string::npos);
}

TEST(SdesOfferAnswer, DtlsOfferWithABrokenFingerprintIs488) {
    // DTLS-SRTP itself: tests/unit/dtls_srtp_test.cpp.
    auto n = answer(offer("m=audio 4000 UDP/TLS/RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
                          "a=fingerprint:sha-256 00:11\r\na=setup:actpass\r\n"),
                    sip::SrtpPolicy::Optional);
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.failure->status, 488);
}

TEST(SdesOfferAnswer, DialOutOffersFollowThePolicyAndTheAnswerPicksOurKey) {
    const auto p = ports();
    const auto mandatory = sip::build_offer(prefs(sip::SrtpPolicy::Mandatory), p, {1, 1});
    EXPECT_NE(mandatory.find("m=audio 20000 RTP/SAVP "), std::string::npos) << mandatory;
    EXPECT_NE(mandatory.find("m=video 20002 RTP/SAVP "), std::string::npos);
    const auto optional = sip::build_offer(prefs(sip::SrtpPolicy::Optional), p, {1, 1});
    EXPECT_NE(optional.find("m=audio 20000 RTP/AVP "), std::string::npos);
    EXPECT_NE(optional.find("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"), std::string::npos);
    EXPECT_NE(optional.find("a=crypto:5 AES_CM_128_HMAC_SHA1_32 inline:"), std::string::npos);
    const auto off = sip::build_offer(prefs(sip::SrtpPolicy::Off), p, {1, 1});
    EXPECT_EQ(off.find("a=crypto"), std::string::npos);
    EXPECT_NE(off.find("m=audio 20000 RTP/AVP "), std::string::npos);

    // The peer picks tag 3 (AEAD_AES_128_GCM in our list): we send with the key we offered there.
    auto n = sip::apply_answer(offer(audio("RTP/SAVP", crypto(3, "AEAD_AES_128_GCM", kKey28))),
                               prefs(sip::SrtpPolicy::Mandatory), p);
    ASSERT_TRUE(n.ok()) << n.failure->detail;
    ASSERT_TRUE(n.media.audio->srtp);
    const auto local = p.srtp_keys.key(0, SrtpSuite::AeadAes128Gcm);
    EXPECT_EQ(n.media.audio->srtp->local_key, std::vector<uint8_t>(local.begin(), local.end()));
    EXPECT_EQ(n.media.audio->srtp->remote_key, bytes(28));
    // A tag we did not offer with that suite, or a clear answer under mandatory: refused.
    EXPECT_FALSE(sip::apply_answer(offer(audio("RTP/SAVP", crypto(1, "AEAD_AES_128_GCM", kKey28))),
                                   prefs(sip::SrtpPolicy::Mandatory), p)
                     .ok());
    EXPECT_FALSE(
        sip::apply_answer(offer(audio("RTP/AVP", "")), prefs(sip::SrtpPolicy::Mandatory), p).ok());
    // Optional: a clear answer to our best-effort offer is a clear call.
    n = sip::apply_answer(offer(audio("RTP/AVP", "")), prefs(sip::SrtpPolicy::Optional), p);
    ASSERT_TRUE(n.ok());
    EXPECT_FALSE(n.media.audio->srtp);
}

}  // namespace

namespace {

TEST(SdesConfig, SrtpPolicyIsCheckedAndMapped) {
    auto cfg = core::load_config_string("", "test.toml");
    ASSERT_TRUE(cfg.ok());
    EXPECT_EQ(cfg->media.srtp, "optional");
    EXPECT_EQ(sip::CodecPreferences::from_config(cfg->media).srtp, sip::SrtpPolicy::Optional);
    for (const auto& [text, policy] : {std::pair{"mandatory", sip::SrtpPolicy::Mandatory},
                                       std::pair{"off", sip::SrtpPolicy::Off}}) {
        auto c = core::load_config_string(std::string("[media]\nsrtp = \"") + text + "\"\n",
                                          "test.toml");
        ASSERT_TRUE(c.ok()) << c.error().message;
        EXPECT_EQ(sip::CodecPreferences::from_config(c->media).srtp, policy);
    }
    auto bad = core::load_config_string("[media]\nsrtp = \"required\"\n", "test.toml");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("'media.srtp' must be"), std::string::npos)
        << bad.error().message;
    EXPECT_NE(bad.error().message.find("required"), std::string::npos);
}

}  // namespace
