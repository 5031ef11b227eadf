// A TLS registrar in the config: it needs a tls: listener (libre connects out through it, and
// calls come back to its contact). Named by address or by host name, verification on or off
// (the gateway resolves names itself and checks the certificate against the name; docs/sip.md,
// "SIP over TLS"). sip.dns_servers names the resolvers for those names.
#include "core/config.hpp"

#include <gtest/gtest.h>

namespace {

const char* kTlsListener =
    "[sip]\nlisten = [\"udp:127.0.0.1:5060\", \"tls:127.0.0.1:5061\"]\n"
    "tls_certificate = \"/etc/sipmediagw/tls.pem\"\n";

std::string with_registrar(const std::string& sip, const std::string& server) {
    return sip + "[registrar]\nserver = \"" + server + "\"\nsecret = \"s\"\n";
}

TEST(SipTlsConfig, TlsRegistrarByAddressIsAccepted) {
    for (const char* server :
         {"sips:192.0.2.5:5061", "sip:192.0.2.5:5061;transport=tls", "sips:[2001:db8::5]"}) {
        auto cfg = core::load_config_string(with_registrar(kTlsListener, server), "t.toml");
        EXPECT_TRUE(cfg.ok()) << server << ": " << cfg.error().message;
    }
}

TEST(SipTlsConfig, TlsRegistrarNeedsATlsListener) {
    auto cfg = core::load_config_string(with_registrar("", "sips:192.0.2.5"), "t.toml");
    ASSERT_FALSE(cfg.ok());
    EXPECT_NE(cfg.error().message.find("needs a 'tls:' address in 'sip.listen'"), std::string::npos)
        << cfg.error().message;
}

TEST(SipTlsConfig, TlsRegistrarByNameIsAcceptedWhileVerifying) {
    for (const char* server :
         {"sip:proxy.example.org;transport=tls", "sips:proxy.example.org", "sips:localhost:5061"}) {
        auto cfg = core::load_config_string(with_registrar(kTlsListener, server), "t.toml");
        EXPECT_TRUE(cfg.ok()) << server << ": " << cfg.error().message;
    }
    auto off =
        core::load_config_string(with_registrar(std::string(kTlsListener) + "tls_verify = false\n",
                                                "sips:proxy.example.org"),
                                 "t.toml");
    EXPECT_TRUE(off.ok()) << off.error().message;
}

TEST(SipTlsConfig, DnsServersAreAddressesWithPorts) {
    auto cfg = core::load_config_string("[sip]\ndns_servers = [\"127.0.0.1:5353\", \"[::1]:53\"]\n",
                                        "t.toml");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    ASSERT_EQ(cfg->sip.dns_servers.size(), 2U);
    EXPECT_EQ(cfg->sip.dns_servers[0].host, "127.0.0.1");
    EXPECT_EQ(cfg->sip.dns_servers[0].port, 5353);
    EXPECT_EQ(cfg->sip.dns_servers[1].host, "::1");
    for (const char* bad : {"127.0.0.1", "ns.example.org:53", "127.0.0.1:0", "1.2.3.4:x"}) {
        auto r = core::load_config_string(std::string("[sip]\ndns_servers = [\"") + bad + "\"]\n",
                                          "t.toml");
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_NE(r.error().message.find("'sip.dns_servers' entry '" + std::string(bad) +
                                         "' must be ip:port"),
                  std::string::npos)
            << r.error().message;
    }
}

}  // namespace
