// The [api] keys this hardening added (docs/configuration.md, docs/security.md).
#include "core/config.hpp"

#include <gtest/gtest.h>

namespace {

core::Result<core::Config> parse(const std::string& text) {
    return core::load_config_string(text, "test.toml");
}

TEST(ApiConfig, WithoutATokenTheApiStaysOnLoopback) {
    for (const char* listen : {"127.0.0.1:8080", "127.1.2.3:0", "[::1]:8080", "localhost:8080"}) {
        auto cfg = parse(std::string("[api]\nlisten = \"") + listen + "\"\n");
        EXPECT_TRUE(cfg.ok()) << listen << ": " << cfg.error().message;
    }
    for (const char* listen : {"0.0.0.0:8080", "[::]:8080", "10.0.0.5:8080", "gw.example:80"}) {
        auto cfg = parse(std::string("[api]\nlisten = \"") + listen + "\"\n");
        ASSERT_FALSE(cfg.ok()) << listen;
        EXPECT_NE(cfg.error().message.find("is not a loopback address: set 'api.token'"),
                  std::string::npos)
            << cfg.error().message;
    }
    auto with_token = parse("[api]\nlisten = \"0.0.0.0:8080\"\ntoken = \"t\"\n");
    EXPECT_TRUE(with_token.ok()) << with_token.error().message;
    EXPECT_TRUE(parse("[api]\nlisten = \"\"\n").ok());  // no API at all
}

TEST(ApiConfig, AllowedHosts) {
    auto cfg = parse("[api]\nallowed_hosts = [\"gw.example.org\"]\n");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    ASSERT_EQ(cfg->api.allowed_hosts.size(), 1u);
    EXPECT_EQ(cfg->api.allowed_hosts[0], "gw.example.org");
    EXPECT_FALSE(parse("[api]\nallowed_hosts = \"gw.example.org\"\n").ok());
}

}  // namespace
