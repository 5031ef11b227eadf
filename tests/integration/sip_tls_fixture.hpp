// What the SIP-over-TLS tests share: a CA made by the test, the gateway's certificate from it,
// Kamailio with TLS and a gateway registering over TLS to it.
#pragma once

#include "gateway_fixture.hpp"
#include "support/ephemeral_credentials.hpp"
#include "support/http_client.hpp"
#include "support/test_ca.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>

namespace testsupport {

class SipTlsFixture : public GatewayTest {
protected:
    void SetUp() override {
        auto ca = TestCa::create(dir_.path());
        ASSERT_TRUE(ca) << ca.error().message;
        ca_.emplace(std::move(*ca));
        auto gw = ca_->issue("gateway", "IP:127.0.0.1");
        ASSERT_TRUE(gw) << gw.error().message;
        gateway_cert_ = *gw;
    }

    // A certificate from the test's CA naming `san` (e.g. "DNS:localhost,IP:127.0.0.1").
    IssuedCertificate issue(const std::string& name, const std::string& san) {
        auto c = ca_->issue(name, san);
        if (!c) {
            ADD_FAILURE() << c.error().message;
            throw std::runtime_error("no certificate");
        }
        return *c;
    }

    // Kamailio with TLS; its certificate names `san`.
    Kamailio& start_tls_kamailio(const std::string& san = "IP:127.0.0.1,DNS:proxy.test") {
        const auto proxy = issue("proxy", san);
        KamailioOptions k;
        k.tls_certificate = proxy.certificate;
        k.tls_key = proxy.key;
        k.tls_ca = ca_->certificate();
        return start_kamailio(k);
    }

    // A gateway with a TLS listener and the test's CA as its trust store.
    GatewayOptions tls_listener() {
        GatewayOptions o;
        o.tls_certificate = gateway_cert_.combined.string();
        o.tls_ca_file = ca_->certificate().string();
        return o;
    }

    // The same registering one slot at `server`.
    GatewayOptions tls_gateway(const std::string& server) {
        GatewayOptions o = tls_listener();
        o.registrar_server = server;
        o.registrar_secret = kamailio_ ? kamailio_->secret() : "s";
        o.slots = 1;
        o.max_calls = 1;
        return o;
    }

    // bob, registered at the proxy over UDP and answering by itself: a target to dial out to.
    BaresipPeer& start_callee() {
        const auto cred = ephemeral_credentials(kamailio_->secret(), "bob");
        BaresipOptions po = plain_peer("callee", "bob");
        po.registrar = kamailio_->uri();
        po.auth_user = cred.user;
        po.auth_password = cred.password;
        po.answermode = "auto";
        auto& callee = start_peer(po);
        EXPECT_TRUE(wait_until([&] { return has_aor("bob"); }, std::chrono::seconds(20)));
        return callee;
    }

    // The API dials `uri` into the echo room (201: the dial started).
    static void dial(Gateway& gw, const std::string& uri) {
        auto created = http_request(gw.api_port(), "POST", "/api/v1/gateways",
                                    nlohmann::json{{"dial", uri}, {"room", "echo"}}.dump(),
                                    "Content-Type: application/json\r\n");
        ASSERT_TRUE(created) << created.error().message;
        ASSERT_EQ(created->status, 201) << created->body;
    }

    // The gateway refused the registrar's certificate (`why`: the log's reason) before it sent
    // a byte of SIP: the slot failed, nothing is registered, no REGISTER reached Kamailio.
    void expect_registrar_refused(Gateway& gw, const std::string& why) {
        EXPECT_TRUE(gw.program().wait_for_log(std::regex(why + ".*nothing sent to it"),
                                              std::chrono::seconds(30)))
            << gw.program().tail();
        EXPECT_TRUE(gw.program().wait_for_log(
            std::regex("registration slot=sipmediagw\\.1 state=failed"), std::chrono::seconds(30)));
        EXPECT_FALSE(has_aor("sipmediagw.1"));
        EXPECT_FALSE(kamailio_->program().log_contains(kProxySawRegister))
            << kamailio_->program().tail();
    }

    static inline const std::regex kRegistered{"registration slot=sipmediagw\\.1 state=registered"};
    // Kamailio logs the first (unauthenticated) REGISTER of any transport.
    static inline const std::regex kProxySawRegister{"smgw: REGISTER .* not authorized"};
    // baresip's line for a call it answers (auto answer).
    static inline const std::regex kCalleeRang{"answering call"};

    std::optional<TestCa> ca_;
    IssuedCertificate gateway_cert_;
};

}  // namespace testsupport
