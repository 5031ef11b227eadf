// DTLS-SRTP (issue 12): the a=fingerprint and a=setup parsers against good and hostile lines,
// the offer/answer rules (roles, which key exchange wins, what is refused and why), and our
// certificate: its fingerprint is the one the answer carries and the one a peer computes.
#include "media/dtls_identity.hpp"
#include "sip/dtls_fingerprint.hpp"
#include "sip/offer_answer.hpp"
#include "sip/sdp.hpp"

#include <gtest/gtest.h>

namespace {

using sip::DtlsSetup;
using sip::FingerprintHash;

std::string hex_bytes(size_t n, bool lower = false) {
    std::string s;
    for (size_t i = 0; i < n; ++i) {
        if (i != 0) s += ':';
        char buf[4];
        std::snprintf(buf, sizeof buf, lower ? "%02x" : "%02X",
                      static_cast<unsigned>((i * 7) & 0xff));
        s += buf;
    }
    return s;
}

TEST(DtlsFingerprint, ParsesEveryHashWeCheckAndRoundTrips) {
    for (auto [name, size] : {std::pair{"sha-1", 20}, std::pair{"sha-256", 32},
                              std::pair{"sha-384", 48}, std::pair{"sha-512", 64}}) {
        const std::string value = std::string(name) + " " + hex_bytes(size);
        auto f = sip::parse_fingerprint(value);
        ASSERT_TRUE(f) << value << ": " << f.error().message;
        EXPECT_EQ(f->digest.size(), static_cast<size_t>(size));
        EXPECT_EQ(f->digest[1], 7);
        EXPECT_EQ(sip::format_fingerprint(*f), value);
    }
    // Hash names and hex digits in either case (RFC 8122 §5: case-insensitive).
    auto f = sip::parse_fingerprint("SHA-256 " + hex_bytes(32, true));
    ASSERT_TRUE(f);
    EXPECT_EQ(f->hash, FingerprintHash::Sha256);
}

TEST(DtlsFingerprint, HostileValuesAreRefusedWithAReason) {
    for (const std::string& bad : std::vector<std::string>{
             "", "sha-256", "sha-256 ", "md5 " + hex_bytes(16), "sha-224 " + hex_bytes(28),
             "sha-256 " + hex_bytes(31), "sha-256 " + hex_bytes(33),
             "sha-256 " + hex_bytes(32) + ":", "sha-256 " + hex_bytes(32).replace(2, 1, "-"),
             "sha-256 " + hex_bytes(32).replace(0, 1, "G"), "sha-256 " + std::string(95, ':'),
             std::string(10000, 'a') + " 00"}) {
        auto f = sip::parse_fingerprint(bad);
        EXPECT_FALSE(f) << bad;
        if (!f) {
            EXPECT_FALSE(f.error().message.empty());
        }
    }
}

TEST(DtlsFingerprint, SetupRolesFollowRfc5763) {
    EXPECT_EQ(sip::parse_setup("actpass"), DtlsSetup::ActPass);
    EXPECT_EQ(sip::parse_setup("ACTIVE"), DtlsSetup::Active);
    EXPECT_EQ(sip::parse_setup("passive"), DtlsSetup::Passive);
    EXPECT_EQ(sip::parse_setup("holdconn"), DtlsSetup::HoldConn);
    EXPECT_FALSE(sip::parse_setup("both"));
    EXPECT_EQ(sip::answer_setup(DtlsSetup::ActPass), DtlsSetup::Active);
    EXPECT_EQ(sip::answer_setup(DtlsSetup::Passive), DtlsSetup::Active);
    EXPECT_EQ(sip::answer_setup(DtlsSetup::Active), DtlsSetup::Passive);
    EXPECT_FALSE(sip::answer_setup(DtlsSetup::HoldConn));
}

TEST(DtlsIdentity, OurCertificateHashesToTheFingerprintWeAnnounce) {
    auto id = media::make_dtls_identity();
    ASSERT_TRUE(id) << id.error().message;
    EXPECT_NE(id->pem.find("BEGIN CERTIFICATE"), std::string::npos);
    EXPECT_NE(id->pem.find("PRIVATE KEY"), std::string::npos);
    auto announced = sip::parse_fingerprint(id->fingerprint);
    ASSERT_TRUE(announced) << id->fingerprint;
    EXPECT_EQ(announced->hash, FingerprintHash::Sha256);
    auto computed = media::certificate_fingerprint(id->pem, FingerprintHash::Sha256);
    ASSERT_TRUE(computed);
    EXPECT_EQ(*computed, *announced);
    // Another hash of the same certificate differs in size; another certificate differs.
    auto sha1 = media::certificate_fingerprint(id->pem, FingerprintHash::Sha1);
    ASSERT_TRUE(sha1);
    EXPECT_EQ(sha1->digest.size(), 20U);
    auto other = media::make_dtls_identity();
    ASSERT_TRUE(other);
    EXPECT_NE(other->fingerprint, id->fingerprint);
    EXPECT_FALSE(media::certificate_fingerprint("not a certificate", FingerprintHash::Sha256));
}

const std::string kOurFingerprint = "sha-256 " + hex_bytes(32);

sip::LocalMediaPorts ports(bool with_certificate = true) {
    sip::LocalMediaPorts p;
    p.address = "127.0.0.1";
    p.audio_rtp = 20000;
    p.audio_rtcp = 20001;
    p.video_rtp = 20002;
    p.video_rtcp = 20003;
    p.srtp_keys = *sip::generate_srtp_keys();
    if (with_certificate) p.dtls_fingerprint = kOurFingerprint;
    return p;
}

sip::Negotiation answer(const std::string& media,
                        sip::SrtpPolicy policy = sip::SrtpPolicy::Optional,
                        const sip::LocalMediaPorts& p = ports(), const std::string& session = "") {
    sip::CodecPreferences prefs;
    prefs.srtp = policy;
    return sip::answer_offer(
        "v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\n" + session + media,
        prefs, p, sip::SdpOrigin{42, 1});
}

const std::string kPeerFingerprint = "sha-256 " + hex_bytes(32, true);

std::string dtls_audio(const std::string& setup, const std::string& proto = "UDP/TLS/RTP/SAVP",
                       const std::string& extra = "") {
    return "m=audio 4000 " + proto +
           " 0\r\na=rtpmap:0 PCMU/8000\r\na=fingerprint:" + kPeerFingerprint + "\r\n" +
           (setup.empty() ? "" : "a=setup:" + setup + "\r\n") + extra;
}

TEST(DtlsOfferAnswer, ActpassIsAnsweredActiveWithOurFingerprint) {
    auto n = answer(dtls_audio("actpass"));
    ASSERT_TRUE(n.ok()) << n.failure->detail;
    auto sdp = sip::parse_sdp(n.sdp);
    ASSERT_TRUE(sdp);
    const auto& m = sdp->media.at(0);
    EXPECT_EQ(m.proto, "UDP/TLS/RTP/SAVP");
    EXPECT_EQ(m.attribute("setup"), "active");
    EXPECT_EQ(m.attribute("fingerprint"), kOurFingerprint);
    EXPECT_FALSE(m.attribute("crypto"));
    ASSERT_TRUE(n.media.audio);
    EXPECT_EQ(n.media.audio->protection, sip::Protection::DtlsSrtp);
    ASSERT_TRUE(n.media.audio->dtls);
    EXPECT_TRUE(n.media.audio->dtls->client);
    EXPECT_EQ(sip::format_fingerprint(n.media.audio->dtls->remote_fingerprint),
              "sha-256 " + hex_bytes(32));
    EXPECT_FALSE(n.media.audio->srtp);
}

TEST(DtlsOfferAnswer, ActiveAndPassiveOffersAreHonoured) {
    auto a = answer(dtls_audio("active", "UDP/TLS/RTP/SAVPF"));
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(sip::parse_sdp(a.sdp)->media.at(0).attribute("setup"), "passive");
    EXPECT_FALSE(a.media.audio->dtls->client);
    EXPECT_TRUE(a.media.audio->avpf);
    auto p = answer(dtls_audio("passive"));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(sip::parse_sdp(p.sdp)->media.at(0).attribute("setup"), "active");
    // RFC 4145 §4: no a=setup means active.
    auto none = answer(dtls_audio(""));
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none.media.audio->dtls->client);
    // Session-level attributes count when the m= line has none.
    auto session = answer("m=audio 4000 UDP/TLS/RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n",
                          sip::SrtpPolicy::Optional, ports(),
                          "a=fingerprint:" + kPeerFingerprint + "\r\na=setup:actpass\r\n");
    ASSERT_TRUE(session.ok()) << session.failure->detail;
    EXPECT_TRUE(session.media.audio->dtls->client);
}

TEST(DtlsOfferAnswer, MandatoryCountsDtlsAsProtection) {
    auto n = answer(dtls_audio("actpass"), sip::SrtpPolicy::Mandatory);
    ASSERT_TRUE(n.ok()) << n.failure->detail;
    EXPECT_EQ(n.media.audio->protection, sip::Protection::DtlsSrtp);
}

TEST(DtlsOfferAnswer, TheProfileDecidesWhenBothKeyExchangesAreOffered) {
    const std::string crypto =
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\r\n";
    auto dtls = answer(dtls_audio("actpass", "UDP/TLS/RTP/SAVP", crypto));
    ASSERT_TRUE(dtls.ok());
    EXPECT_EQ(dtls.media.audio->protection, sip::Protection::DtlsSrtp);
    EXPECT_FALSE(sip::parse_sdp(dtls.sdp)->media.at(0).attribute("crypto"));
    auto sdes = answer(dtls_audio("actpass", "RTP/SAVP", crypto));
    ASSERT_TRUE(sdes.ok());
    EXPECT_EQ(sdes.media.audio->protection, sip::Protection::SdesSrtp);
    EXPECT_FALSE(sip::parse_sdp(sdes.sdp)->media.at(0).attribute("fingerprint"));
    EXPECT_FALSE(sip::parse_sdp(sdes.sdp)->media.at(0).attribute("setup"));
}

TEST(DtlsOfferAnswer, UnusableOffersAre488WithTheReason) {
    struct Case {
        std::string media;
        sip::SrtpPolicy policy;
        bool certificate;
        std::string reason;
    };
    const std::vector<Case> cases{
        {"m=audio 4000 UDP/TLS/RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\na=setup:actpass\r\n",
         sip::SrtpPolicy::Optional, true, "no a=fingerprint"},
        {"m=audio 4000 UDP/TLS/RTP/SAVP 0\r\na=fingerprint:md5 00:11\r\n",
         sip::SrtpPolicy::Optional, true, "md5"},
        {dtls_audio("holdconn"), sip::SrtpPolicy::Optional, true, "holdconn"},
        {dtls_audio("sideways"), sip::SrtpPolicy::Optional, true, "a=setup:sideways"},
        {dtls_audio("actpass"), sip::SrtpPolicy::Optional, false, "no local DTLS certificate"},
        {dtls_audio("actpass"), sip::SrtpPolicy::Off, true, "not supported"},
    };
    for (const auto& c : cases) {
        auto n = answer(c.media, c.policy, ports(c.certificate));
        ASSERT_FALSE(n.ok()) << c.media;
        EXPECT_EQ(n.failure->status, 488);
        EXPECT_NE(n.failure->detail.find(c.reason), std::string::npos) << n.failure->detail;
    }
}

TEST(DtlsOfferAnswer, TheStrongestFingerprintIsKept) {
    auto n = answer(
        "m=audio 4000 UDP/TLS/RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
        "a=fingerprint:sha-1 " +
        hex_bytes(20) + "\r\na=fingerprint:sha-512 " + hex_bytes(64) +
        "\r\na=fingerprint:sha-256 " + hex_bytes(32) + "\r\na=setup:actpass\r\n");
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n.media.audio->dtls->remote_fingerprint.hash, FingerprintHash::Sha512);
}

// Dial-out offering DTLS-SRTP ([media] srtp_offer = "dtls"): UDP/TLS/RTP/SAVPF, our
// fingerprint, actpass and no a=crypto, in optional and mandatory; off offers clear RTP.
sip::CodecPreferences dtls_offer_prefs(sip::SrtpPolicy policy = sip::SrtpPolicy::Optional) {
    sip::CodecPreferences prefs;
    prefs.srtp = policy;
    prefs.srtp_offer = sip::SrtpOffer::Dtls;
    return prefs;
}

TEST(DtlsOffer, OffersUdpTlsSavpfWithActpassAndOurFingerprint) {
    for (auto policy : {sip::SrtpPolicy::Optional, sip::SrtpPolicy::Mandatory}) {
        auto sdp = sip::parse_sdp(sip::build_offer(dtls_offer_prefs(policy), ports(), {7, 1}));
        ASSERT_TRUE(sdp);
        ASSERT_EQ(sdp->media.size(), 2U);
        for (const auto& m : sdp->media) {
            EXPECT_EQ(m.proto, "UDP/TLS/RTP/SAVPF") << m.media;
            EXPECT_EQ(m.attribute("setup"), "actpass");
            EXPECT_EQ(m.attribute("fingerprint"), kOurFingerprint);
            EXPECT_FALSE(m.attribute("crypto"));
        }
    }
    // srtp = "off" wins over srtp_offer; without a certificate the offer falls back to SDES.
    auto off =
        sip::parse_sdp(sip::build_offer(dtls_offer_prefs(sip::SrtpPolicy::Off), ports(), {7, 1}));
    EXPECT_EQ(off->media.at(0).proto, "RTP/AVP");
    EXPECT_FALSE(off->media.at(0).attribute("fingerprint"));
    auto no_cert = sip::parse_sdp(
        sip::build_offer(dtls_offer_prefs(sip::SrtpPolicy::Mandatory), ports(false), {7, 1}));
    EXPECT_EQ(no_cert->media.at(0).proto, "RTP/SAVP");
    EXPECT_TRUE(no_cert->media.at(0).attribute("crypto"));
    // The default stays SDES.
    sip::CodecPreferences sdes;
    sdes.srtp = sip::SrtpPolicy::Mandatory;
    auto d = sip::parse_sdp(sip::build_offer(sdes, ports(), {7, 1}));
    EXPECT_EQ(d->media.at(0).proto, "RTP/SAVP");
    EXPECT_FALSE(d->media.at(0).attribute("setup"));
}

std::string dtls_answer(const std::string& setup, const std::string& proto = "UDP/TLS/RTP/SAVPF") {
    return "v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\n" +
           dtls_audio(setup, proto);
}

TEST(DtlsOffer, TheAnswersSetupGivesOurRole) {
    // Answered active: the peer sends the ClientHello, we are the DTLS server.
    auto active = sip::apply_answer(dtls_answer("active"), dtls_offer_prefs(), ports());
    ASSERT_TRUE(active.ok()) << active.failure->detail;
    ASSERT_TRUE(active.media.audio && active.media.audio->dtls);
    EXPECT_EQ(active.media.audio->protection, sip::Protection::DtlsSrtp);
    EXPECT_FALSE(active.media.audio->dtls->client);
    EXPECT_EQ(sip::format_fingerprint(active.media.audio->dtls->remote_fingerprint),
              "sha-256 " + hex_bytes(32));
    EXPECT_FALSE(active.media.audio->srtp);
    auto passive = sip::apply_answer(dtls_answer("passive"), dtls_offer_prefs(), ports());
    ASSERT_TRUE(passive.ok());
    EXPECT_TRUE(passive.media.audio->dtls->client);
    // RFC 4145 §4: an answer without a=setup is active.
    auto none = sip::apply_answer(dtls_answer(""), dtls_offer_prefs(), ports());
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none.media.audio->dtls->client);
}

TEST(DtlsOffer, UnusableAnswersAreRefusedWithTheReason) {
    for (auto [text, reason] :
         {std::pair{dtls_answer("actpass"), "a=setup:actpass is no answer"},
          std::pair{dtls_answer("holdconn"), "a=setup:holdconn is no answer"},
          std::pair{std::string("v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\n"
                                "t=0 0\r\nm=audio 4000 UDP/TLS/RTP/SAVPF 0\r\n"
                                "a=rtpmap:0 PCMU/8000\r\na=setup:active\r\n"),
                    "no a=fingerprint"}}) {
        auto n = sip::apply_answer(text, dtls_offer_prefs(), ports());
        ASSERT_FALSE(n.ok()) << text;
        EXPECT_NE(n.failure->detail.find(reason), std::string::npos) << n.failure->detail;
    }
    // A clear answer to our DTLS offer: a clear call in optional mode, refused in mandatory.
    const std::string clear =
        "v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\n"
        "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
    auto optional = sip::apply_answer(clear, dtls_offer_prefs(), ports());
    ASSERT_TRUE(optional.ok());
    EXPECT_EQ(optional.media.audio->protection, sip::Protection::None);
    auto mandatory =
        sip::apply_answer(clear, dtls_offer_prefs(sip::SrtpPolicy::Mandatory), ports());
    ASSERT_FALSE(mandatory.ok());
    EXPECT_NE(mandatory.failure->detail.find("mandatory"), std::string::npos)
        << mandatory.failure->detail;
}

TEST(DtlsOffer, AReOfferKeepsTheRunningRoles) {
    // An offerless re-INVITE during a DTLS call (answered to the peer's offer, srtp_offer at its
    // SDES default): we offer DTLS again with the role we have, not actpass and not SDES.
    auto running = answer(dtls_audio("actpass", "UDP/TLS/RTP/SAVPF"));
    ASSERT_TRUE(running.ok());
    ASSERT_TRUE(running.media.audio->dtls->client);
    sip::CodecPreferences prefs;
    auto sdp = sip::parse_sdp(sip::build_offer(prefs, ports(), {7, 2}, &running.media));
    ASSERT_TRUE(sdp);
    const auto& m = sdp->media.at(0);
    EXPECT_EQ(m.proto, "UDP/TLS/RTP/SAVPF");
    EXPECT_EQ(m.attribute("setup"), "active");
    EXPECT_EQ(m.attribute("fingerprint"), kOurFingerprint);
    EXPECT_FALSE(m.attribute("crypto"));
    // The peer's answer (passive) leaves the parameters as they are: the media keep the session.
    auto kept = sip::apply_answer(dtls_answer("passive"), prefs, ports());
    ASSERT_TRUE(kept.ok());
    EXPECT_EQ(*kept.media.audio->dtls, *running.media.audio->dtls);
    // Passive now: offered passive.
    auto as_server = answer(dtls_audio("active", "UDP/TLS/RTP/SAVPF"));
    auto again = sip::parse_sdp(sip::build_offer(prefs, ports(), {7, 3}, &as_server.media));
    EXPECT_EQ(again->media.at(0).attribute("setup"), "passive");
}

TEST(DtlsOffer, SrtpOfferKeyIsCheckedAndMapped) {
    auto cfg = core::load_config_string("", "test.toml");
    ASSERT_TRUE(cfg.ok());
    EXPECT_EQ(cfg->media.srtp_offer, "sdes");
    EXPECT_EQ(sip::CodecPreferences::from_config(cfg->media).srtp_offer, sip::SrtpOffer::Sdes);
    auto dtls = core::load_config_string("[media]\nsrtp_offer = \"dtls\"\n", "test.toml");
    ASSERT_TRUE(dtls.ok()) << dtls.error().message;
    EXPECT_EQ(sip::CodecPreferences::from_config(dtls->media).srtp_offer, sip::SrtpOffer::Dtls);
    auto bad = core::load_config_string("[media]\nsrtp_offer = \"both\"\n", "test.toml");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("'media.srtp_offer' must be"), std::string::npos)
        << bad.error().message;
    EXPECT_NE(bad.error().message.find("both"), std::string::npos);
}

}  // namespace
