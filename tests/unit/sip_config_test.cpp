// The SIP keys this branch adds to the config (sip.ring_ms).
#include "core/config.hpp"

#include <gtest/gtest.h>

namespace {

TEST(SipConfig, RingMsDefaultsToZero) {
    auto cfg = core::load_config_string("", "t.toml");
    ASSERT_TRUE(cfg.ok());
    EXPECT_EQ(cfg->sip.ring_ms, 0U);
}

TEST(SipConfig, RingMsParsed) {
    auto cfg = core::load_config_string("[sip]\nring_ms = 1500\n", "t.toml");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    EXPECT_EQ(cfg->sip.ring_ms, 1500U);
}

TEST(SipConfig, RingMsOutOfRangeNamesKeyAndLine) {
    auto cfg = core::load_config_string("[sip]\n\nring_ms = 600000\n", "t.toml");
    ASSERT_FALSE(cfg.ok());
    EXPECT_NE(cfg.error().message.find("t.toml:3:"), std::string::npos) << cfg.error().message;
    EXPECT_NE(cfg.error().message.find("sip.ring_ms"), std::string::npos);
}

TEST(SipConfig, ExampleConfigIsValid) {
    auto cfg = core::load_config_file(SIPMEDIAGW_EXAMPLE_CONFIG);
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    EXPECT_EQ(cfg->sip.listen.at(0).port, 5060);
    EXPECT_FALSE(cfg->registrar.enabled());
}

}  // namespace
