// Which dial-out and registrar URIs go over TLS, and how they are handed to libre 1.1.0 (which
// routes sip: URIs only).
#include "sip/next_hop.hpp"
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

TEST(SipTlsTarget, PortAndTransportDecideTheLookup) {
    const auto a = sip::tls_target_of("sips:room@gw.example.org");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->port, 0);
    EXPECT_FALSE(a->transport_given);  // RFC 3263: NAPTR first
    const auto b = sip::tls_target_of("sip:gw.example.org:5071;transport=tls");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->port, 5071);
    EXPECT_TRUE(b->transport_given);
    const auto c = sip::tls_target_of("sips:u@[2001:db8::7]:5062;lr");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->port, 5062);
    const auto d = sip::tls_target_of("sips:u@[2001:db8::7]");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->port, 0);
    const auto e = sip::tls_target_of("sips:u@h:99999");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->port, 0);  // not a port: as if none (the request then fails in libre)
}

// IP literals and localhost (RFC 6761) never go to DNS.
TEST(SipNextHop, AddressesAndLocalhostNeedNoDns) {
    const auto ip = sip::next_hops_without_dns(*sip::tls_target_of("sips:10.0.0.7"));
    ASSERT_TRUE(ip);
    ASSERT_EQ(ip->size(), 1U);
    EXPECT_EQ(ip->front().text(), "10.0.0.7:5061");
    const auto v6 = sip::next_hops_without_dns(*sip::tls_target_of("sips:[2001:db8::7]:5071"));
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->front().route(), "sip:[2001:db8::7]:5071;transport=tls");
    for (const char* uri :
         {"sips:LocalHost:5062", "sips:a@gw.localhost:5062", "sips:localhost.:5062"}) {
        const auto l = sip::next_hops_without_dns(*sip::tls_target_of(uri));
        ASSERT_TRUE(l) << uri;
        EXPECT_EQ(l->front().text(), "127.0.0.1:5062") << uri;
    }
    EXPECT_FALSE(sip::next_hops_without_dns(*sip::tls_target_of("sips:gw.example.org")));
    EXPECT_FALSE(sip::next_hops_without_dns(*sip::tls_target_of("sips:notlocalhost")));
}

TEST(SipNextHop, NaptrPicksSipsOverTcpByOrderThenPreference) {
    using sip::NaptrChoice;
    EXPECT_EQ(sip::sips_srv_name({{10, 10, "s", "SIP+D2U", "_sip._udp.example.org"},
                                  {20, 10, "s", "SIPS+D2T", "_sips._tcp.b.example.org"},
                                  {10, 20, "S", "sips+d2t", "_sips._tcp.a.example.org"},
                                  {10, 30, "s", "SIPS+D2T", "_sips._tcp.c.example.org"}}),
              "_sips._tcp.a.example.org");
    // Only records with the "s" flag lead to SRV; none usable: empty (SRV _sips._tcp next).
    EXPECT_EQ(sip::sips_srv_name({{10, 10, "a", "SIPS+D2T", "x.example.org"},
                                  {10, 10, "s", "SIP+D2T", "_sip._tcp.example.org"}}),
              "");
    EXPECT_EQ(sip::sips_srv_name({}), "");
}

}  // namespace
