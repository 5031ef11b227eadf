// Issue 12 (signalling): SIP over TLS to peers named by host name. The gateway resolves the name
// itself (RFC 3263) and ties the connection to the name: the certificate's DNS subjectAltName is
// checked against it and the ClientHello carries it as SNI. Names resolve without touching
// /etc/hosts: "localhost" (RFC 6761, never sent to DNS), and for SRV/NAPTR a dnsmasq bound to
// 127.0.0.1 on a free port that the gateway is pointed at (sip.dns_servers). Peers: Kamailio
// (registrar and proxy) and openssl s_server (which prints the SNI it received).
#include "sip_tls_fixture.hpp"
#include "support/ephemeral_credentials.hpp"
#include "support/http_client.hpp"
#include "support/ports.hpp"
#include "support/test_ca.hpp"

#include <nlohmann/json.hpp>

namespace testsupport {
namespace {

class SipTlsNames : public SipTlsFixture {
protected:
    // dnsmasq answering only from its command line: sip.test and its SRV/NAPTR records point at
    // 127.0.0.1:<sip_port>; every other name is unknown. Returns "127.0.0.1:<dns port>".
    std::string start_dns(uint16_t sip_port) {
        const uint16_t port = free_port();
        auto p = Program::start(
            "dnsmasq",
            {"dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=" + std::to_string(port),
             "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
             "--user=root", "--group=root", "--pid-file=", "--log-queries", "--log-facility=-",
             "--host-record=sip.test,127.0.0.1",
             "--srv-host=_sips._tcp.sip.test,sip.test," + std::to_string(sip_port) + ",0,1",
             "--naptr-record=sip.test,10,10,S,SIPS+D2T,,_sips._tcp.sip.test"},
            dir_.path());
        if (!p) {
            ADD_FAILURE() << p.error().message;
            throw std::runtime_error("dnsmasq did not start");
        }
        dns_.emplace(std::move(*p));
        EXPECT_TRUE(dns_->wait_for_log(std::regex("started, version"), 20s)) << dns_->tail();
        return "127.0.0.1:" + std::to_string(port);
    }

    // An s_server whose default certificate names other.test; only a ClientHello with SNI
    // "localhost" switches it to the certificate for localhost. It prints the SNI it got and
    // every byte received. Its input must stay open: a FIFO opened read-write.
    Program& start_sni_server(uint16_t port) {
        const auto wrong = issue("other", "DNS:other.test");
        const auto right = issue("localhost", "DNS:localhost");
        const auto d = dir_.path();
        const auto fifo = d / "s_server-in";
        auto made = run_command({"mkfifo", fifo.string()}, d, 10s);
        if (!made || made->exit_code != 0) throw std::runtime_error("mkfifo failed");
        auto p = Program::start(
            "s_server",
            {"sh", "-c",
             "exec openssl s_server -accept 127.0.0.1:" + std::to_string(port) + " -cert '" +
                 wrong.certificate.string() + "' -key '" + wrong.key.string() +
                 "' -servername localhost -cert2 '" + right.certificate.string() + "' -key2 '" +
                 right.key.string() + "' -naccept 1 <> '" + fifo.string() + "'"},
            d);
        if (!p) throw std::runtime_error(p.error().message);
        s_server_.emplace(std::move(*p));
        EXPECT_TRUE(s_server_->wait_for_log(std::regex("ACCEPT"), 20s)) << s_server_->tail();
        return *s_server_;
    }

    std::optional<Program> dns_;
    std::optional<Program> s_server_;
};

// The REGISTER reaches s_server only when the ClientHello named "localhost" (else s_server shows
// the other.test certificate, which the gateway refuses): SNI is sent, and the name verified.
TEST_F(SipTlsNames, SendsTheNameAsSniAndVerifiesIt) {
    const uint16_t port = free_port();
    auto& server = start_sni_server(port);
    auto& gw = start_gateway(tls_gateway("sips:localhost:" + std::to_string(port)));
    EXPECT_TRUE(server.wait_for_log(std::regex("Hostname in TLS extension: \"localhost\""), 30s))
        << server.tail() << gw.program().tail();
    // The request keeps the name; the address it was resolved to is only the next hop.
    EXPECT_TRUE(server.wait_for_log(
        std::regex("REGISTER sip:localhost:" + std::to_string(port) + ";transport=tls SIP/2.0"),
        30s))
        << server.tail();
    EXPECT_TRUE(server.log_contains(
        std::regex("Route: <sip:127\\.0\\.0\\.1:" + std::to_string(port) + ";transport=tls;lr>")))
        << server.tail();
    EXPECT_TRUE(gw.program().log_contains(std::regex(
        "registration slot=sipmediagw\\.1 registrar localhost resolved to 127\\.0\\.0\\.1:" +
        std::to_string(port))))
        << gw.program().tail();
    EXPECT_FALSE(gw.program().log_contains(std::regex("not verified")));
}

// Kamailio's certificate names localhost only (no IP entry): registering to sips:localhost works
// because the name, not the address, is checked.
TEST_F(SipTlsNames, RegistersToARegistrarNamedLocalhost) {
    start_tls_kamailio("DNS:localhost");
    auto& gw =
        start_gateway(tls_gateway("sips:localhost:" + std::to_string(kamailio_->tls_port())));
    EXPECT_TRUE(wait_until([&] { return has_aor("sipmediagw.1"); }, 30s)) << gw.program().tail();
    EXPECT_TRUE(gw.program().wait_for_log(kRegistered, 10s));
    EXPECT_FALSE(gw.program().log_contains(std::regex("not verified")));
}

// A certificate for another name is refused before any SIP byte, even though it lists the
// address the name resolved to.
TEST_F(SipTlsNames, RefusesACertificateForAnotherName) {
    start_tls_kamailio("DNS:proxy.test,IP:127.0.0.1");
    auto& gw = start_gateway(
        tls_gateway("sip:localhost:" + std::to_string(kamailio_->tls_port()) + ";transport=tls"));
    expect_registrar_refused(gw, "sip: TLS peer localhost not verified: hostname mismatch");
}

// "sips:sip.test" without a port: NAPTR (SIPS+D2T) leads to SRV _sips._tcp.sip.test, whose
// target and port are where Kamailio listens; its certificate names sip.test.
TEST_F(SipTlsNames, FindsTheRegistrarByNaptrAndSrv) {
    start_tls_kamailio("DNS:sip.test");
    auto o = tls_gateway("sips:sip.test");
    o.dns_server = start_dns(kamailio_->tls_port());
    auto& gw = start_gateway(o);
    EXPECT_TRUE(wait_until([&] { return has_aor("sipmediagw.1"); }, 30s)) << gw.program().tail();
    EXPECT_TRUE(
        gw.program().log_contains(std::regex("registrar sip\\.test resolved to 127\\.0\\.0\\.1:" +
                                             std::to_string(kamailio_->tls_port()))))
        << gw.program().tail();
    EXPECT_TRUE(dns_->log_contains(std::regex("query\\[NAPTR\\] sip\\.test"))) << dns_->tail();
    EXPECT_TRUE(dns_->log_contains(std::regex("query\\[SRV\\] _sips\\._tcp\\.sip\\.test")))
        << dns_->tail();
    EXPECT_FALSE(gw.program().log_contains(std::regex("not verified")));
}

TEST_F(SipTlsNames, AnUnknownNameFailsClearlyAndIsRetried) {
    auto o = tls_gateway("sips:nowhere.test");
    o.dns_server = start_dns(5061);
    auto& gw = start_gateway(o);
    const std::regex failed(
        "registration slot=sipmediagw\\.1 state=failed error=\"cannot resolve 'nowhere\\.test': ");
    EXPECT_TRUE(gw.program().wait_for_log(failed, 30s)) << gw.program().tail();
    // Retried: dnsmasq is asked again after the 3 s pause.
    EXPECT_TRUE(wait_until(
        [&] {
            const std::string log = dns_->log();
            const std::regex q("query\\[SRV\\] _sips\\._tcp\\.nowhere\\.test");
            return std::distance(std::sregex_iterator(log.begin(), log.end(), q),
                                 std::sregex_iterator()) >= 2;
        },
        30s))
        << dns_->tail();
}

TEST_F(SipTlsNames, DialsOutToATargetNamedLocalhost) {
    start_tls_kamailio("DNS:localhost");
    auto& callee = start_callee();
    auto& gw = start_gateway(tls_listener());
    ASSERT_NO_FATAL_FAILURE(
        dial(gw, "sips:bob@localhost:" + std::to_string(kamailio_->tls_port())));
    EXPECT_TRUE(wait_until([&] { return callee.call_is_established(); }, 30s))
        << gw.program().tail();
    EXPECT_TRUE(gw.program().log_contains(
        std::regex("dialing sips:bob@localhost:[0-9]+ via 127\\.0\\.0\\.1:" +
                   std::to_string(kamailio_->tls_port()))))
        << gw.program().tail();
    EXPECT_FALSE(gw.program().log_contains(std::regex("not verified")));
}

TEST_F(SipTlsNames, DialOutRefusesACertificateForAnotherName) {
    start_tls_kamailio("DNS:proxy.test,IP:127.0.0.1");
    auto& callee = start_callee();
    auto& gw = start_gateway(tls_listener());
    ASSERT_NO_FATAL_FAILURE(
        dial(gw, "sips:bob@localhost:" + std::to_string(kamailio_->tls_port())));
    EXPECT_TRUE(gw.program().wait_for_log(
        std::regex("sip: TLS peer localhost not verified: hostname mismatch"), 30s))
        << gw.program().tail();
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("gateway: sess=.* ended"), 30s))
        << gw.program().tail();
    EXPECT_FALSE(callee.program().log_contains(kCalleeRang)) << callee.program().tail();
}

}  // namespace
}  // namespace testsupport
