// Issue 12, SDES-SRTP with a real peer: baresip's srtp module calls sip:echo@gateway and gets
// its tone and video back over SRTP. A capture on loopback checks the wire: the answer carries
// RTP/SAVP(F) with a=crypto, and no RTP packet of the call carries the tone's PCMU in the clear
// (the same check on a clear call finds it, so the check can fail). [media] srtp = "mandatory"
// refuses a clear offer with 488 (sipp); "off" refuses baresip's SRTP-only offer as before.
// baresip's dtls_srtp module gets the same checks over DTLS-SRTP.
#include "integration/gateway_fixture.hpp"
#include "media/e2e/recording.hpp"
#include "support/http_client.hpp"
#include "support/ports.hpp"
#include "support/udp_capture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <iterator>
#include <regex>
#include <vector>

namespace testsupport {
namespace {

constexpr int kRtpBlock = 16;

// A 1000 Hz tone sampled at 8 kHz repeats every 8 samples, and so do its PCMU bytes: the share
// of payload bytes equal to the byte 8 further on is near 1 for the clear tone, near 1/256 for
// ciphertext.
double period8_share(const std::vector<uint8_t>& payload) {
    if (payload.size() < 16) return 0;
    size_t same = 0;
    for (size_t i = 0; i + 8 < payload.size(); ++i) same += payload[i] == payload[i + 8] ? 1 : 0;
    return static_cast<double>(same) / static_cast<double>(payload.size() - 8);
}

struct WireFacts {
    size_t pcmu_packets = 0;   // RTP version 2, payload type 0, at least 160 bytes of payload
    size_t tone_in_clear = 0;  // of those, payloads that are the periodic tone
    size_t gateway_tone_in_clear = 0;  // of those, sent by the gateway (from its RTP ports)
    std::string answer_sdp;            // the 200 OK's body as it crossed the wire
};

// A PCMU packet (RTP version 2, payload type 0, at least 160 bytes of payload) whose first 160
// bytes after the header are the periodic tone: PCMU in the clear (ciphertext under SRTP).
// Returns 0 for another packet, 1 for a PCMU packet, 2 for one in the clear.
int pcmu_clarity(const std::vector<uint8_t>& p) {
    if (p.size() < 12 + 160 || (p[0] >> 6) != 2 || (p[1] & 0x7f) != 0) return 0;
    const std::vector<uint8_t> payload(p.begin() + 12, p.begin() + 12 + 160);
    return period8_share(payload) > 0.6 ? 2 : 1;
}

WireFacts wire_facts(const UdpCapture& media, const UdpCapture& sip) {
    WireFacts f;
    for (const auto& p : media.payloads()) {
        const int c = pcmu_clarity(p);
        if (c > 0) ++f.pcmu_packets;
        if (c == 2) ++f.tone_in_clear;
    }
    for (const auto& p : media.payloads_sent())
        if (pcmu_clarity(p) == 2) ++f.gateway_tone_in_clear;
    for (const auto& p : sip.payloads()) {
        const std::string text(p.begin(), p.end());
        if (text.rfind("SIP/2.0 200", 0) == 0 && text.find("m=audio") != std::string::npos)
            f.answer_sdp = text.substr(text.find("\r\n\r\n") + 4);
    }
    return f;
}

class SrtpEchoE2e : public GatewayTest {
protected:
    struct Call {
        std::string mediaenc;  // baresip's; empty: clear
        std::string audio = "PCMU";
        std::string video = "H264";
        std::string policy = "optional";
        bool rtcp_mux = false;
    };
    // Calls echo, checks tone and video came back, returns what the capture saw.
    WireFacts call_echo(const Call& c);
    std::string session_protection();
    // The echo room's [media] with the RTP ports in a block of their own (from rtp_min_, for a
    // capture to watch) and `media_extra`.
    std::string captured_media_toml(const std::string& media_extra);
    // A peer that answers by itself, sending 1000 Hz with PCMU and `mediaenc`.
    static BaresipOptions echo_callee(const std::string& mediaenc);
    // The API dials `callee` into the echo room.
    static void dial_into_echo(Gateway& gw, BaresipPeer& callee);
    uint16_t rtp_min_ = 0;
    [[nodiscard]] uint16_t rtp_max() const {
        return static_cast<uint16_t>(rtp_min_ + kRtpBlock - 1);
    }
};

std::string SrtpEchoE2e::captured_media_toml(const std::string& media_extra) {
    rtp_min_ = free_port_block(kRtpBlock);
    return std::string(kEchoMediaToml) + "rtp_port_min = " + std::to_string(rtp_min_) +
           "\nrtp_port_max = " + std::to_string(rtp_max()) + "\n" + media_extra;
}

BaresipOptions SrtpEchoE2e::echo_callee(const std::string& mediaenc) {
    BaresipOptions o = plain_peer("callee", "bob");
    o.answermode = "auto";
    o.mediaenc = mediaenc;
    o.tone_hz = 1000;
    o.audio_codecs = "PCMU";
    return o;
}

void SrtpEchoE2e::dial_into_echo(Gateway& gw, BaresipPeer& callee) {
    const auto created =
        http_request(gw.api_port(), "POST", "/api/v1/gateways",
                     nlohmann::json{{"dial", callee.contact_uri()}, {"room", "echo"}}.dump(),
                     "Content-Type: application/json\r\n");
    ASSERT_TRUE(created.ok()) << created.error().message;
    ASSERT_EQ(created->status, 201) << created->body;
}

WireFacts SrtpEchoE2e::call_echo(const Call& c) {
    GatewayOptions go;
    go.extra_toml = captured_media_toml("srtp = \"" + c.policy + "\"\n");
    auto& gw = start_gateway(go);
    UdpCapture media(rtp_min_, rtp_max());
    UdpCapture sip(gw.sip_port(), gw.sip_port());
    EXPECT_TRUE(media.ok()) << media.error();
    BaresipOptions o = plain_peer("caller", "alice");
    o.tone_hz = 1000;
    o.audio_codecs = c.audio;
    o.video_codecs = c.video;
    o.mediaenc = c.mediaenc;
    o.rtcp_mux = c.rtcp_mux;
    auto& caller = start_peer(o);
    EXPECT_TRUE(caller.dial(gw.uri("echo")));
    EXPECT_TRUE(caller.wait_established(std::chrono::seconds(20)));
    expect_echoed_tone(caller.config_dir());
    EXPECT_TRUE(caller.program().wait_for_log(
        std::regex("video: receiving with resolution 320 x 240"), std::chrono::seconds(10)));
    return wire_facts(media, sip);
}

std::string SrtpEchoE2e::session_protection() {
    auto r = http_request(gateway_->api_port(), "GET", "/api/v1/gateways");
    if (!r || r->status != 200) return "no answer";
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    for (const auto& s : j.is_array() ? j : j.value("gateways", nlohmann::json::array()))
        if (s.value("room_kind", "") == "echo") return s.value("protection", "absent");
    return "no echo session";
}

TEST_F(SrtpEchoE2e, SrtpMandatoryPeerH264AndPcmuEncryptedOnTheWire) {
    const auto wire = call_echo({.mediaenc = "srtp-mand"});
    EXPECT_NE(wire.answer_sdp.find("m=audio "), std::string::npos) << "no 200 OK captured";
    EXPECT_NE(wire.answer_sdp.find(" RTP/SAVP 0"), std::string::npos) << wire.answer_sdp;
    EXPECT_NE(wire.answer_sdp.find("m=video "), std::string::npos);
    EXPECT_NE(wire.answer_sdp.find("a=crypto:"), std::string::npos) << wire.answer_sdp;
    EXPECT_GT(wire.pcmu_packets, 100U) << "the capture saw no call";
    EXPECT_EQ(wire.tone_in_clear, 0U) << "cleartext PCMU tone on the wire";
    auto& gw = *gateway_;
    EXPECT_TRUE(gw.program().wait_for_log(
        std::regex("media: sess=\\S+ audio protection=sdes-srtp suite=AES_CM_128_HMAC_SHA1_80"),
        std::chrono::seconds(5)));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("video protection=sdes-srtp"),
                                          std::chrono::seconds(5)));
    EXPECT_TRUE(gw.program().log_contains(std::regex("video echo H264 320x240")));
    EXPECT_EQ(session_protection(), "sdes-srtp");
    auto metrics = http_request(gw.api_port(), "GET", "/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_NE(metrics->body.find("media=\"audio\",protection=\"sdes-srtp\""), std::string::npos)
        << metrics->body.substr(0, 2000);

    // Forged packets (a valid RTP header of the negotiated format, no valid authentication tag)
    // at every port of the call: dropped by srtpdec and counted, the call goes on.
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_GE(fd, 0);
    std::vector<uint8_t> forged(12 + 160 + 10, 0x55);
    forged[0] = 0x80;
    forged[1] = 0;  // PCMU
    for (uint16_t seq = 0; seq < 20; ++seq) {
        forged[2] = static_cast<uint8_t>(seq >> 8);
        forged[3] = static_cast<uint8_t>(seq);
        for (uint16_t port = rtp_min_; port < rtp_min_ + kRtpBlock; ++port) {
            sockaddr_in to{};
            to.sin_family = AF_INET;
            to.sin_port = htons(port);
            to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            (void)sendto(fd, forged.data(), forged.size(), 0, reinterpret_cast<sockaddr*>(&to),
                         sizeof to);
        }
    }
    close(fd);
    const std::regex failures(
        "sipmediagw_media_srtp_auth_failures_total\\{[^}]*media=\"audio\"[^}]*\\} (\\d+)");
    long counted = 0;
    EXPECT_TRUE(wait_until(
        [&] {
            auto m = http_request(gw.api_port(), "GET", "/metrics");
            std::smatch sm;
            if (!m || !std::regex_search(m->body, sm, failures)) return false;
            counted = std::stol(sm[1]);
            return counted >= 20;
        },
        std::chrono::seconds(10), std::chrono::milliseconds(200)))
        << "auth failures counted: " << counted;
    EXPECT_TRUE(peers_.front()->call_is_established());
    ASSERT_TRUE(peers_.front()->ctrl().command("hangup"));
    EXPECT_TRUE(peers_.front()->wait_closed(std::chrono::seconds(10)));
}

// Checks a DTLS-SRTP echo call's answer, logs, API and /metrics.
void expect_dtls_call(const WireFacts& wire, Gateway& gw, bool rtcp_mux) {
    EXPECT_NE(wire.answer_sdp.find(" UDP/TLS/RTP/SAVPF 0"), std::string::npos) << wire.answer_sdp;
    EXPECT_NE(wire.answer_sdp.find("a=setup:active"), std::string::npos) << wire.answer_sdp;
    EXPECT_NE(wire.answer_sdp.find("a=fingerprint:sha-256 "), std::string::npos);
    EXPECT_EQ(wire.answer_sdp.find("a=crypto"), std::string::npos);
    EXPECT_GT(wire.pcmu_packets, 100U) << "the capture saw no call";
    std::vector<std::string> lines{
        "audio dtls RTP: the peer's certificate matches a=fingerprint",
        "video dtls RTP: the peer's certificate matches a=fingerprint",
        "started mode=echo audio=PCMU video=H264 content=- protection=dtls-srtp"};
    if (!rtcp_mux) lines.push_back("audio dtls RTCP: the peer's certificate matches a=fingerprint");
    for (const auto& line : lines)
        EXPECT_TRUE(gw.program().wait_for_log(std::regex(line), std::chrono::seconds(5))) << line;
    EXPECT_TRUE(gw.program().log_contains(std::regex("video echo H264 320x240")));
    auto metrics = http_request(gw.api_port(), "GET", "/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_NE(metrics->body.find("media=\"video\",protection=\"dtls-srtp\""), std::string::npos)
        << metrics->body.substr(0, 2000);
}

TEST_F(SrtpEchoE2e, DtlsSrtpPeerH264AndPcmuEncryptedOnTheWire) {
    // baresip's dtls_srtp module: UDP/TLS/RTP/SAVPF with a=fingerprint and a=setup:actpass;
    // here with rtcp-mux, so one handshake per stream. We answer active.
    const auto wire = call_echo({.mediaenc = "dtls_srtp", .policy = "mandatory", .rtcp_mux = true});
    EXPECT_NE(wire.answer_sdp.find("a=rtcp-mux"), std::string::npos) << wire.answer_sdp;
    EXPECT_EQ(wire.tone_in_clear, 0U) << "cleartext PCMU tone on the wire";
    expect_dtls_call(wire, *gateway_, true);
    EXPECT_EQ(session_protection(), "dtls-srtp");
    ASSERT_TRUE(peers_.front()->ctrl().command("hangup"));
    EXPECT_TRUE(peers_.front()->wait_closed(std::chrono::seconds(10)));
}

TEST_F(SrtpEchoE2e, DtlsSrtpPeerWithoutRtcpMuxHandshakesOnBothPorts) {
    // Without rtcp-mux the RTP and RTCP ports each do their handshake (RFC 5764 §4.1). The wire
    // is not judged here: baresip 1.0 starts sending once either of a stream's components is
    // secure, so its first RTP packet can leave in the clear before its RTP component's
    // handshake ends (seen: one packet); the gateway drops it (no keys yet, gate closed).
    const auto wire = call_echo({.mediaenc = "dtls_srtp", .policy = "mandatory"});
    expect_dtls_call(wire, *gateway_, false);
    EXPECT_EQ(session_protection(), "dtls-srtp");
}

TEST_F(SrtpEchoE2e, SrtpMandatoryFeedbackPeerVp8AndOpus) {
    // baresip srtp-mandf: RTP/SAVPF; keyframe requests travel as SRTCP.
    const auto wire =
        call_echo({.mediaenc = "srtp-mandf", .audio = "opus/48000/2", .video = "VP8"});
    EXPECT_NE(wire.answer_sdp.find(" RTP/SAVPF "), std::string::npos) << wire.answer_sdp;
    EXPECT_NE(wire.answer_sdp.find("a=crypto:"), std::string::npos);
    EXPECT_TRUE(gateway_->program().log_contains(std::regex("video echo VP8 320x240")));
}

TEST_F(SrtpEchoE2e, BestEffortSrtpPeerG722AndVp8) {
    // baresip srtp: RTP/AVP with a=crypto; we answer with crypto, media encrypted.
    const auto wire = call_echo({.mediaenc = "srtp", .audio = "G722", .video = "VP8"});
    EXPECT_NE(wire.answer_sdp.find(" RTP/AVP "), std::string::npos) << wire.answer_sdp;
    EXPECT_NE(wire.answer_sdp.find("a=crypto:"), std::string::npos) << wire.answer_sdp;
    EXPECT_EQ(session_protection(), "sdes-srtp");
}

TEST_F(SrtpEchoE2e, ClearCallShowsTheToneOnTheWireControl) {
    // The control: the same capture finds the cleartext tone in a clear call.
    const auto wire = call_echo({});
    EXPECT_NE(wire.answer_sdp.find(" RTP/AVP 0"), std::string::npos) << wire.answer_sdp;
    EXPECT_EQ(wire.answer_sdp.find("a=crypto"), std::string::npos);
    EXPECT_GT(wire.pcmu_packets, 100U);
    EXPECT_GT(wire.tone_in_clear, wire.pcmu_packets / 2) << "the check would not see cleartext";
    EXPECT_GT(wire.gateway_tone_in_clear, wire.pcmu_packets / 4)
        << "the check would not see the gateway's cleartext";
    EXPECT_EQ(session_protection(), "none");
}

TEST_F(SrtpEchoE2e, MandatoryRefusesAClearOfferWith488) {
    GatewayOptions go;
    go.extra_toml = "[media]\nsrtp = \"mandatory\"\n";
    auto& gw = start_gateway(go);
    auto run = sipp(scenario("invite_clear_offer.xml", gw.target(), "echo"));
    EXPECT_EQ(run.exit_code, 0) << run.log << run.errors;
    EXPECT_TRUE(gw.program().wait_for_log(
        std::regex("rejected status=488 .*no usable a=crypto .*mandatory"),
        std::chrono::seconds(5)));
}

TEST_F(SrtpEchoE2e, OffRefusesAnSrtpOnlyPeer) {
    GatewayOptions go;
    go.extra_toml = "[media]\nsrtp = \"off\"\n";
    auto& gw = start_gateway(go);
    BaresipOptions o = plain_peer("caller", "alice");
    o.mediaenc = "srtp-mand";
    auto& caller = start_peer(o);
    ASSERT_TRUE(caller.dial(gw.uri("echo")));
    auto reason = caller.wait_closed(std::chrono::seconds(20));
    ASSERT_TRUE(reason);
    EXPECT_NE(reason->find("488"), std::string::npos) << *reason;
}

TEST_F(SrtpEchoE2e, DialOutInMandatoryModeOffersSavpAndGetsTheEchoBack) {
    // The API dials an SRTP-only peer (answermode auto) into the echo room: our RTP/SAVP offer
    // with five a=crypto lines is answered with one, and the peer hears its own tone.
    GatewayOptions go;
    go.extra_toml = "[media]\nsrtp = \"mandatory\"\n";
    auto& gw = start_gateway(go);
    auto& callee = start_peer(echo_callee("srtp-mand"));
    ASSERT_NO_FATAL_FAILURE(dial_into_echo(gw, callee));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("audio protection=sdes-srtp suite="),
                                          std::chrono::seconds(20)));
    expect_echoed_tone(callee.config_dir());
    EXPECT_EQ(session_protection(), "sdes-srtp");
}

TEST_F(SrtpEchoE2e, DialOutOffersDtlsSrtpAndGetsTheEchoBack) {
    // [media] srtp_offer = "dtls" (with srtp at its optional default): the API dials a baresip
    // dtls_srtp peer (answermode auto) into the echo room. Our INVITE offers UDP/TLS/RTP/SAVPF
    // with a=setup:actpass and our fingerprint, no a=crypto; the peer's answer picks the roles,
    // both components of both streams handshake, and the peer gets its tone and video back.
    GatewayOptions go;
    go.extra_toml = captured_media_toml("srtp_offer = \"dtls\"\n");
    auto& gw = start_gateway(go);
    UdpCapture media(rtp_min_, rtp_max());
    UdpCapture sip(gw.sip_port(), gw.sip_port());
    ASSERT_TRUE(media.ok()) << media.error();
    BaresipOptions o = echo_callee("dtls_srtp");
    o.video_codecs = "H264";
    auto& callee = start_peer(o);
    ASSERT_NO_FATAL_FAILURE(dial_into_echo(gw, callee));
    for (const char* line :
         {"audio protection=dtls-srtp setup=(active|passive) peer fingerprint sha-256 components=2",
          "audio dtls RTP: the peer's certificate matches a=fingerprint",
          "audio dtls RTCP: the peer's certificate matches a=fingerprint",
          "video dtls RTP: the peer's certificate matches a=fingerprint",
          "video dtls RTCP: the peer's certificate matches a=fingerprint",
          "started mode=echo audio=PCMU video=H264 content=- protection=dtls-srtp"})
        EXPECT_TRUE(gw.program().wait_for_log(std::regex(line), std::chrono::seconds(30)))
            << line << "\n"
            << gw.program().tail(60);
    expect_echoed_tone(callee.config_dir());
    EXPECT_TRUE(callee.program().wait_for_log(
        std::regex("video: receiving with resolution 320 x 240"), std::chrono::seconds(20)));
    EXPECT_EQ(session_protection(), "dtls-srtp");

    // The wire: our offer, the peer's answer, and the media.
    std::string offer;
    for (const auto& p : sip.payloads()) {
        const std::string text(p.begin(), p.end());
        if (text.rfind("INVITE ", 0) == 0 && text.find("m=audio") != std::string::npos)
            offer = text.substr(text.find("\r\n\r\n") + 4);
    }
    EXPECT_NE(offer.find(" UDP/TLS/RTP/SAVPF "), std::string::npos) << offer;
    EXPECT_NE(offer.find("a=setup:actpass"), std::string::npos) << offer;
    EXPECT_NE(offer.find("a=fingerprint:sha-256 "), std::string::npos) << offer;
    EXPECT_EQ(offer.find("a=crypto"), std::string::npos) << offer;
    const auto wire = wire_facts(media, sip);
    EXPECT_NE(wire.answer_sdp.find(" UDP/TLS/RTP/SAVPF 0"), std::string::npos) << wire.answer_sdp;
    EXPECT_NE(wire.answer_sdp.find("a=fingerprint:"), std::string::npos) << wire.answer_sdp;
    EXPECT_GT(wire.pcmu_packets, 100U) << "the capture saw no call";
    // Only what we send: without rtcp-mux baresip 1.0 sends RTP in the clear until its RTP
    // handshake ends (DtlsSrtpPeerWithoutRtcpMuxHandshakesOnBothPorts), on a loaded host up to
    // 10 packets; a clear call shows the tone in most of its packets
    // (ClearCallShowsTheToneOnTheWireControl).
    EXPECT_EQ(wire.gateway_tone_in_clear, 0U) << "cleartext PCMU tone sent by the gateway";
    EXPECT_FALSE(gw.program().log_contains(std::regex("handshake failed")));
}

size_t count_matches(const std::string& text, const std::string& re) {
    const std::regex r(re);
    return static_cast<size_t>(
        std::distance(std::sregex_iterator(text.begin(), text.end(), r), std::sregex_iterator()));
}

TEST_F(SrtpEchoE2e, DtlsReInviteWithTheSameFingerprintKeepsTheAssociation) {
    // baresip dtls_srtp (rtcp-mux) in echo, then its `reinvite` (same certificate, a=setup
    // actpass again, answered active again): the media keep their pipeline and DTLS session (no
    // second handshake, no restart) and the echo goes on.
    const auto wire = call_echo({.mediaenc = "dtls_srtp", .policy = "mandatory", .rtcp_mux = true});
    expect_dtls_call(wire, *gateway_, true);
    auto& gw = *gateway_;
    auto& caller = *peers_.front();
    const std::string before = gw.program().log();
    EXPECT_EQ(count_matches(before, "dtls RTP connected"), 2U) << gw.program().tail(40);
    const size_t from = gw.program().log_size();
    ASSERT_TRUE(caller.ctrl().command("reinvite"));
    ASSERT_TRUE(
        gw.program().wait_for_log(std::regex("re-INVITE answered"), std::chrono::seconds(10), from))
        << gw.program().tail(40);
    // The echo after the re-INVITE: 3 s more of recording whose last second is the tone.
    const auto path = find_recording(caller.config_dir());
    ASSERT_TRUE(path);
    const size_t had = read_wav(*path) ? read_wav(*path)->mono.size() : 0;
    std::optional<Wav> wav;
    EXPECT_TRUE(wait_until(
        [&] {
            wav = read_wav(*path);
            return wav && wav->rate > 0 && wav->mono.size() >= had + wav->rate * 3;
        },
        std::chrono::seconds(30), std::chrono::milliseconds(250)));
    if (wav && wav->mono.size() >= wav->rate) {
        std::vector<int16_t> tail(wav->mono.end() - wav->rate, wav->mono.end());
        EXPECT_GT(tone_share(tail, 1000, wav->rate), 0.5) << "no echo after the re-INVITE";
    }
    const std::string after = gw.program().log().substr(from);
    EXPECT_EQ(count_matches(after, "dtls RTP connected"), 0U) << after;
    EXPECT_EQ(count_matches(after, "restarting media"), 0U) << after;
    EXPECT_EQ(count_matches(after, "protection=dtls-srtp setup="), 0U) << after;
    ASSERT_TRUE(caller.ctrl().command("hangup"));
    EXPECT_TRUE(caller.wait_closed(std::chrono::seconds(10)));
}

TEST_F(SrtpEchoE2e, DtlsReInviteWithANewFingerprintStartsANewAssociation) {
    // sipp (setup:active, so the gateway waits as DTLS server and no handshake is needed):
    // the same fingerprint again changes nothing; another certificate's fingerprint rebuilds the
    // stream (a new association, RFC 5763 §5) and says why; an md5 fingerprint is refused with
    // 488 and the call goes on (sipp's BYE is answered).
    auto& gw = start_gateway();
    const auto run = sipp(scenario("reinvite_dtls_fingerprint.xml", gw.target(), "echo"));
    EXPECT_EQ(run.exit_code, 0) << run.log << run.errors;
    const std::string log = gw.program().log();
    EXPECT_EQ(count_matches(log, "audio protection=dtls-srtp setup=passive"), 2U) << log;
    EXPECT_EQ(count_matches(log, "audio dtls: the peer's certificate changed: new handshake"), 1U)
        << log;
    EXPECT_EQ(count_matches(log, "restarting media"), 1U) << log;
    EXPECT_EQ(count_matches(log, "re-INVITE refused status=488 .*md5"), 1U) << log;
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("gateway: sess=\\S+ ended"),
                                          std::chrono::seconds(10)));
}

}  // namespace
}  // namespace testsupport
