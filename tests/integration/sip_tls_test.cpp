// Issue 12 (signalling) and issue 10 (trust): SIP over TLS with verified peers. Kamailio from
// deploy/kamailio with TLS, its certificate and the gateway's issued by a CA this test makes.
// The gateway registers over TLS when it trusts that CA, and refuses the proxy (a clear log line,
// nothing sent: Kamailio never sees a REGISTER) without it or when the certificate names another
// host; tls_verify = false connects anyway and says so at start. A caller over TLS reaches a
// registered slot through Kamailio (which verifies the gateway's certificate), and a dial-out to
// a sips: target goes over a verified connection.
#include "sip_tls_fixture.hpp"
#include "support/ephemeral_credentials.hpp"
#include "support/http_client.hpp"
#include "support/test_ca.hpp"

#include <nlohmann/json.hpp>

namespace testsupport {
namespace {

class SipTls : public SipTlsFixture {
protected:
    std::string sips_uri(const std::string& user = {}) const {
        return "sips:" + (user.empty() ? "" : user + "@") +
               "127.0.0.1:" + std::to_string(kamailio_->tls_port());
    }
};

TEST_F(SipTls, RegistersOverTlsVerifiedWithTheCaFile) {
    start_tls_kamailio();
    auto& gw = start_gateway(tls_gateway(kamailio_->tls_uri()));
    ASSERT_TRUE(wait_until([&] { return has_aor("sipmediagw.1"); }, 30s)) << gw.program().tail();
    EXPECT_TRUE(gw.program().wait_for_log(kRegistered, 10s));
    // The binding was made over TLS and points at the gateway's TLS listener.
    const auto contacts = kamailio_->contacts_of("sipmediagw.1");
    ASSERT_FALSE(contacts.empty());
    EXPECT_NE(contacts[0].find(":" + std::to_string(gw.tls_port())), std::string::npos)
        << contacts[0];
    EXPECT_NE(contacts[0].find("transport=tls"), std::string::npos) << contacts[0];
    EXPECT_FALSE(gw.program().log_contains(std::regex("not verified")));
}

TEST_F(SipTls, RegistersToASipsRegistrar) {
    start_tls_kamailio();
    auto& gw = start_gateway(tls_gateway(sips_uri()));
    EXPECT_TRUE(wait_until([&] { return has_aor("sipmediagw.1"); }, 30s)) << gw.program().tail();
}

// Kamailio's restart closes the TLS connection; libre's next refresh opens a new one by itself,
// which carries no host for the verifier and is refused (fail closed); the slot starts over and
// registers again over a verified connection.
TEST_F(SipTls, RegistersAgainAfterKamailioRestart) {
    start_tls_kamailio();
    auto o = tls_gateway(kamailio_->tls_uri());
    o.expires = 60;  // refreshes every few seconds
    auto& gw = start_gateway(o);
    ASSERT_TRUE(wait_until([&] { return has_aor("sipmediagw.1"); }, 30s)) << gw.program().tail();
    ASSERT_TRUE(kamailio_->restart());
    EXPECT_TRUE(
        kamailio_->program().wait_for_log(std::regex("smgw: slot sipmediagw\\.1 registered"), 120s))
        << gw.program().tail();
    EXPECT_TRUE(has_aor("sipmediagw.1"));
}

TEST_F(SipTls, RefusesTheRegistrarWithoutItsCa) {
    start_tls_kamailio();
    auto o = tls_gateway(kamailio_->tls_uri());
    o.tls_ca_file.clear();  // the system store does not know the test's CA
    auto& gw = start_gateway(o);
    // Not one REGISTER reached the proxy (nor its digest challenge the gateway).
    expect_registrar_refused(
        gw, "sip: TLS peer 127\\.0\\.0\\.1 not verified: unable to get local issuer certificate");
}

TEST_F(SipTls, RefusesARegistrarCertificateForAnotherHost) {
    start_tls_kamailio("IP:127.0.0.2,DNS:proxy.test");
    auto& gw = start_gateway(tls_gateway(kamailio_->tls_uri()));
    EXPECT_TRUE(gw.program().wait_for_log(
        std::regex("sip: TLS peer 127\\.0\\.0\\.1 not verified: IP address mismatch"), 30s))
        << gw.program().tail();
    EXPECT_FALSE(has_aor("sipmediagw.1"));
    EXPECT_FALSE(kamailio_->program().log_contains(kProxySawRegister))
        << kamailio_->program().tail();
}

TEST_F(SipTls, VerificationOffConnectsAndWarnsAtStart) {
    start_tls_kamailio("IP:127.0.0.2");  // would fail twice: unknown CA, other host
    auto o = tls_gateway(kamailio_->tls_uri());
    o.tls_ca_file.clear();
    o.tls_verify = false;
    auto& gw = start_gateway(o);
    EXPECT_TRUE(gw.program().log_contains(
        std::regex("sip\\.tls_verify = false: TLS peers \\(SIP registrar and dial-out")));
    EXPECT_TRUE(wait_until([&] { return has_aor("sipmediagw.1"); }, 30s)) << gw.program().tail();
}

TEST_F(SipTls, CallerOverTlsReachesASlotThroughKamailio) {
    start_tls_kamailio();
    auto& gw = start_gateway(tls_gateway(kamailio_->tls_uri()));
    ASSERT_TRUE(wait_until([&] { return has_aor("sipmediagw.1"); }, 30s)) << gw.program().tail();
    auto& caller = start_peer(plain_peer("caller", "alice", "tls"));
    ASSERT_TRUE(caller.dial("sip:echo@127.0.0.1:" + std::to_string(kamailio_->tls_port()) +
                            ";transport=tls"));
    ASSERT_TRUE(caller.wait_established(20s)) << caller.program().tail();
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("answering room_kind=echo"), 10s));
    // Kamailio relayed it to the slot's TLS contact (and verified the gateway's certificate).
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("INVITE from=.* transport=TLS"), 10s));
    EXPECT_TRUE(call_stays_up(caller, 3s)) << "call dropped while held";
    // Media both ways: the echo room's counters (the caller's RTP in, its echo out).
    const std::regex flowing(
        R"(sipmediagw_media_packets_(received|sent)_total\{media="audio",session="[^"]+"\} [1-9])");
    std::string metrics;
    EXPECT_TRUE(wait_until(
        [&] {
            auto m = http_request(gw.api_port(), "GET", "/metrics");
            metrics = m ? m->body : "";
            return std::distance(std::sregex_iterator(metrics.begin(), metrics.end(), flowing),
                                 std::sregex_iterator()) >= 2;
        },
        20s))
        << metrics;
    ASSERT_TRUE(caller.ctrl().command("hangup"));
    EXPECT_TRUE(caller.wait_closed(10s));
}

TEST_F(SipTls, DialsOutToASipsTarget) {
    start_tls_kamailio();
    auto o = tls_gateway(kamailio_->tls_uri());
    auto& gw = start_gateway(o);
    ASSERT_TRUE(wait_until([&] { return has_aor("sipmediagw.1"); }, 30s)) << gw.program().tail();
    // The callee registers at the proxy over UDP; the gateway reaches it as sips:bob@<proxy>.
    auto& callee = start_callee();
    ASSERT_NO_FATAL_FAILURE(dial(gw, sips_uri("bob")));
    EXPECT_TRUE(wait_until([&] { return callee.call_is_established(); }, 20s))
        << gw.program().tail();
    EXPECT_TRUE(callee.program().log_contains(kCalleeRang)) << callee.program().tail();
    EXPECT_FALSE(gw.program().log_contains(std::regex("not verified")));
}

TEST_F(SipTls, DialOutRefusesAnUnverifiedTarget) {
    start_tls_kamailio("IP:127.0.0.2");  // the proxy's certificate names another address
    auto& callee = start_callee();
    auto& gw = start_gateway(tls_listener());
    ASSERT_NO_FATAL_FAILURE(dial(gw, sips_uri("bob")));
    EXPECT_TRUE(gw.program().wait_for_log(
        std::regex("sip: TLS peer 127\\.0\\.0\\.1 not verified: IP address mismatch"), 30s))
        << gw.program().tail();
    // The session ends, and the INVITE never reached the proxy nor the callee.
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("gateway: sess=.* ended"), 30s))
        << gw.program().tail();
    EXPECT_FALSE(callee.program().log_contains(kCalleeRang)) << callee.program().tail();
}

}  // namespace
}  // namespace testsupport
