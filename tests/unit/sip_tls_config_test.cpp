// A TLS registrar in the config: it needs a tls: listener (libre connects out through it, and
// calls come back to its contact), and with verification on, an IP address to check the
// registrar's certificate against (docs/sip.md, "SIP over TLS").
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

TEST(SipTlsConfig, TlsRegistrarByNameNeedsVerificationOff) {
    auto cfg = core::load_config_string(
        with_registrar(kTlsListener, "sip:proxy.example.org;transport=tls"), "t.toml");
    ASSERT_FALSE(cfg.ok());
    EXPECT_NE(cfg.error().message.find("'registrar.server' host 'proxy.example.org' must be an IP "
                                       "address over TLS"),
              std::string::npos)
        << cfg.error().message;
    auto off =
        core::load_config_string(with_registrar(std::string(kTlsListener) + "tls_verify = false\n",
                                                "sips:proxy.example.org"),
                                 "t.toml");
    EXPECT_TRUE(off.ok()) << off.error().message;
    // Not TLS: names are fine (nothing to verify).
    auto udp = core::load_config_string(with_registrar("", "sip:proxy.example.org"), "t.toml");
    EXPECT_TRUE(udp.ok()) << udp.error().message;
}

}  // namespace
