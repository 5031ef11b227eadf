#include "sip/session_timer.hpp"

#include <gtest/gtest.h>

namespace {

using sip::Refresher;

TEST(SessionTimer, ParseSessionExpires) {
    auto se = sip::parse_session_expires("1800;refresher=uac");
    ASSERT_TRUE(se);
    EXPECT_EQ(se->interval, 1800U);
    EXPECT_EQ(se->refresher, Refresher::Uac);
    se = sip::parse_session_expires(" 90 ; Refresher=UAS");
    ASSERT_TRUE(se);
    EXPECT_EQ(se->refresher, Refresher::Uas);
    EXPECT_FALSE(sip::parse_session_expires("1800")->refresher);
    EXPECT_FALSE(sip::parse_session_expires("soon"));
    EXPECT_FALSE(sip::parse_session_expires(""));
    EXPECT_EQ(sip::parse_min_se("120"), 120U);
}

TEST(SessionTimer, TooSmallIs422WithMinSe) {
    sip::SessionTimerRequest r;
    r.session_expires = sip::SessionExpires{60, std::nullopt};
    auto d = sip::decide_session_timer(r, 1800);
    EXPECT_TRUE(d.reject_too_small);
    EXPECT_EQ(d.min_se, 90U);
}

TEST(SessionTimer, PeerSupportsTimerAndRefreshes) {
    sip::SessionTimerRequest r;
    r.supports_timer = true;
    r.session_expires = sip::SessionExpires{600, std::nullopt};
    auto d = sip::decide_session_timer(r, 1800);
    EXPECT_TRUE(d.active);
    EXPECT_EQ(d.interval, 600U);  // the smaller of theirs and ours
    EXPECT_FALSE(d.we_refresh);
    EXPECT_EQ(d.response_headers, "Require: timer\r\nSession-Expires: 600;refresher=uac\r\n");
}

TEST(SessionTimer, PeerAsksUsToRefresh) {
    sip::SessionTimerRequest r;
    r.supports_timer = true;
    r.session_expires = sip::SessionExpires{300, Refresher::Uas};
    auto d = sip::decide_session_timer(r, 1800);
    EXPECT_TRUE(d.we_refresh);
    EXPECT_NE(d.response_headers.find("refresher=uas"), std::string::npos);
}

TEST(SessionTimer, PeerWithoutTimerSupportWeRefresh) {
    sip::SessionTimerRequest r;
    auto d = sip::decide_session_timer(r, 1800);
    EXPECT_TRUE(d.active);
    EXPECT_TRUE(d.we_refresh);
    EXPECT_EQ(d.interval, 1800U);
    EXPECT_EQ(d.response_headers.find("Require"), std::string::npos);
    EXPECT_EQ(d.response_headers, "Session-Expires: 1800;refresher=uas\r\n");
}

TEST(SessionTimer, MinSeRaisesOurInterval) {
    sip::SessionTimerRequest r;
    r.supports_timer = true;
    r.min_se = 2000;
    auto d = sip::decide_session_timer(r, 1800);
    EXPECT_EQ(d.interval, 2000U);
}

TEST(SessionTimer, DisabledUnlessThePeerAsks) {
    EXPECT_FALSE(sip::decide_session_timer({}, 0).active);
    sip::SessionTimerRequest r;
    r.supports_timer = true;
    r.session_expires = sip::SessionExpires{120, std::nullopt};
    auto d = sip::decide_session_timer(r, 0);
    EXPECT_TRUE(d.active);
    EXPECT_EQ(d.interval, 120U);
}

// Review B: a peer's Min-SE near 2^32 pushed the interval out of reach (expiry off), and our
// answer could exceed the Session-Expires the peer asked for.
TEST(SessionTimer, PeerValuesAreBounded) {
    sip::SessionTimerRequest r;
    r.supports_timer = true;
    r.min_se = 4294967295U;
    auto d = sip::decide_session_timer(r, 1800);
    EXPECT_TRUE(d.active);
    EXPECT_EQ(d.interval, sip::kMaxSessionInterval);
    EXPECT_LE(d.min_se, sip::kMaxSessionInterval);

    r.session_expires = sip::SessionExpires{600, std::nullopt};
    d = sip::decide_session_timer(r, 1800);
    EXPECT_EQ(d.interval, 600U);  // never more than the peer asked for

    sip::SessionTimerRequest huge;
    huge.supports_timer = true;
    huge.session_expires = sip::SessionExpires{4294967295U, std::nullopt};
    d = sip::decide_session_timer(huge, 0);
    EXPECT_EQ(d.interval, sip::kMaxSessionInterval);
    EXPECT_NE(d.response_headers.find("Session-Expires: 86400;"), std::string::npos);
    EXPECT_EQ(sip::parse_min_se("99999999999"), std::nullopt);  // past 32 bits
}

TEST(SessionTimer, WhenToAct) {
    EXPECT_EQ(sip::refresh_after_s(1800), 900U);
    EXPECT_EQ(sip::expire_after_s(1800), 1768U);
    EXPECT_EQ(sip::expire_after_s(90), 60U);
}

}  // namespace
