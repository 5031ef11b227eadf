// What the SIP-over-TLS tests share: a CA made by the test, the gateway's certificate from it,
// Kamailio with TLS and a gateway registering over TLS to it.
#pragma once

#include "gateway_fixture.hpp"
#include "support/test_ca.hpp"

#include <optional>
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

    // A gateway with a TLS listener, trusting the test's CA, registering one slot at `server`.
    GatewayOptions tls_gateway(const std::string& server) {
        GatewayOptions o;
        o.tls_certificate = gateway_cert_.combined.string();
        o.tls_ca_file = ca_->certificate().string();
        o.registrar_server = server;
        o.registrar_secret = kamailio_ ? kamailio_->secret() : "s";
        o.slots = 1;
        o.max_calls = 1;
        return o;
    }

    std::optional<TestCa> ca_;
    IssuedCertificate gateway_cert_;
};

}  // namespace testsupport
