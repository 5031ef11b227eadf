// Which dial-out and registrar URIs go over TLS, and how they are handed to libre 1.1.0 (which
// routes sip: URIs only).
#include "sip/tls_target.hpp"

#include <gtest/gtest.h>

namespace {

TEST(SipTlsTarget, SipsAndTransportTlsAreTls) {
    const auto a = sip::tls_target_of("sips:room@gw.example.org");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "gw.example.org");
    EXPECT_FALSE(a->ip_literal);
    const auto b = sip::tls_target_of("sip:10.0.0.7:5061;transport=TLS");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->host, "10.0.0.7");
    EXPECT_TRUE(b->ip_literal);
    const auto c = sip::tls_target_of("SIPS:[2001:db8::7]:5061;lr");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->host, "2001:db8::7");
    EXPECT_TRUE(c->ip_literal);
}

TEST(SipTlsTarget, OtherUrisAreNot) {
    EXPECT_FALSE(sip::tls_target_of("sip:room@gw.example.org"));
    EXPECT_FALSE(sip::tls_target_of("sip:10.0.0.7:5060;transport=tcp"));
    // A user part is not a parameter list.
    EXPECT_FALSE(sip::tls_target_of("sip:a%3Btransport=tls@10.0.0.7"));
    EXPECT_FALSE(sip::tls_target_of("tel:+33123456789"));
    // The first transport parameter counts, as libre reads it.
    EXPECT_FALSE(sip::tls_target_of("sip:h;transport=udp;transport=tls"));
}

TEST(SipTlsTarget, SipsIsSentAsSipOverTls) {
    EXPECT_EQ(sip::sendable_uri("sips:room@gw.example.org"),
              "sip:room@gw.example.org;transport=tls");
    EXPECT_EQ(sip::sendable_uri("sips:10.0.0.7:5061;user=phone;transport=tcp?X-A=1"),
              "sip:10.0.0.7:5061;user=phone;transport=tls?X-A=1");
    EXPECT_EQ(sip::sendable_uri("sip:10.0.0.7;transport=tls"), "sip:10.0.0.7;transport=tls");
    EXPECT_EQ(sip::sendable_uri("sip:room@10.0.0.7"), "sip:room@10.0.0.7");
}

}  // namespace
