// [turn] → what the TURN client uses: server address parsing and the credentials scheme.
#include "media/turn_relay.hpp"
#include "sip/ephemeral_credentials.hpp"

#include <gtest/gtest.h>

#include <ctime>
#include <string>

namespace {

core::TurnConfig turn(const std::string& server) {
    core::TurnConfig c;
    c.server = server;
    c.username = "u";
    c.password = "p";
    return c;
}

TEST(MediaTurnAccount, ParsesHostAndPort) {
    auto a = media::make_turn_account(turn("turn:127.0.0.1:3479"));
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(sa_port(&a->server), 3479);
    EXPECT_EQ(a->username, "u");
    EXPECT_EQ(a->password, "p");
    auto d = media::make_turn_account(turn("turn:127.0.0.1?transport=udp"));
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(sa_port(&d->server), 3478);  // RFC 5766 default
    auto v6 = media::make_turn_account(turn("turn:[::1]:5000"));
    ASSERT_TRUE(v6) << v6.error().message;
    EXPECT_EQ(sa_port(&v6->server), 5000);
}

TEST(MediaTurnAccount, RejectsBadServer) {
    EXPECT_FALSE(media::make_turn_account(turn("turn:127.0.0.1:notaport")));
    EXPECT_FALSE(media::make_turn_account(turn("turn::3478")));
    EXPECT_FALSE(media::make_turn_account(turn("turn:[::1")));
    // Finding 11: these threw std::invalid_argument (or wrapped) on the first INVITE.
    for (const char* bad :
         {"turn:[::1]:x", "turn:[::1]:", "turn:127.0.0.1:-1", "turn:127.0.0.1:65536",
          "turn:127.0.0.1:99999999999", "turn:[::1]x", "turn:127.0.0.1:3478?transport=tcp"}) {
        core::Result<media::TurnAccount> a = core::fail("not run");
        ASSERT_NO_THROW(a = media::make_turn_account(turn(bad))) << bad;
        EXPECT_FALSE(a) << bad;
    }
}

// No DNS on the control thread: a name is refused, never resolved.
TEST(MediaTurnAccount, RefusesHostNames) {
    auto a = media::make_turn_account(turn("turn:localhost:3478"));
    ASSERT_FALSE(a);
    EXPECT_NE(a.error().message.find("not an IP address"), std::string::npos) << a.error().message;
}

TEST(MediaTurnAccount, SecretGivesCoturnRestCredentials) {
    auto c = turn("turn:127.0.0.1:3478");
    c.username.clear();
    c.secret = "s3cret";
    c.ttl = 600;
    const auto before = static_cast<uint64_t>(std::time(nullptr));
    auto a = media::make_turn_account(c);
    ASSERT_TRUE(a) << a.error().message;
    const auto colon = a->username.find(':');
    ASSERT_NE(colon, std::string::npos);
    EXPECT_EQ(a->username.substr(colon + 1), "sipmediagw");
    const uint64_t expiry = std::stoull(a->username.substr(0, colon));
    EXPECT_GE(expiry, before + 600);
    EXPECT_LE(expiry, before + 660);
    EXPECT_EQ(a->password,
              sip::make_ephemeral_credentials("s3cret", "sipmediagw", expiry).password);
    EXPECT_NE(a->password, "p");
}

}  // namespace
