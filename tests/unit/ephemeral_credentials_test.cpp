#include "sip/ephemeral_credentials.hpp"
#include "sip/registration.hpp"

#include <gtest/gtest.h>

namespace {

TEST(EphemeralCredentials, MatchesHmacSha1Base64) {
    // Expected value from: printf '1700000000:sipmediagw.1' |
    //   openssl dgst -sha1 -hmac s3cret -binary | base64
    auto c = sip::make_ephemeral_credentials("s3cret", "sipmediagw.1", 1700000000);
    EXPECT_EQ(c.username, "1700000000:sipmediagw.1");
    EXPECT_EQ(c.password, "6BW2OaRTAZ63vJ5Kl2TZE42gHEE=");
}

TEST(EphemeralCredentials, DependOnSecretAndExpiry) {
    auto a = sip::make_ephemeral_credentials("s3cret", "u", 1);
    auto b = sip::make_ephemeral_credentials("other", "u", 1);
    auto c = sip::make_ephemeral_credentials("s3cret", "u", 2);
    EXPECT_NE(a.password, b.password);
    EXPECT_NE(a.password, c.password);
}

TEST(RegistrationNames, SlotUserWithAndWithoutPrefix) {
    core::RegistrarConfig cfg;
    cfg.ua_name = "gw";
    EXPECT_EQ(sip::slot_user(cfg, 1), "gw.1");
    cfg.prefix = "paris";
    EXPECT_EQ(sip::slot_user(cfg, 12), "paris.gw.12");
}

TEST(RegistrationNames, RegistrarHost) {
    EXPECT_EQ(sip::registrar_host("sip:127.0.0.1:5070;transport=udp"), "127.0.0.1");
    EXPECT_EQ(sip::registrar_host("sip:example.org"), "example.org");
    EXPECT_EQ(sip::registrar_host("sips:[::1]:5061"), "::1");
}

}  // namespace
