// The [browser] table of the configuration (docs/browser.md).
#include "core/config.hpp"

#include <gtest/gtest.h>

namespace {

core::Result<core::Config> parse(const std::string& text) {
    return core::load_config_string(text, "test.toml");
}

TEST(BrowserConfig, DefaultsRunTheRealBinaryWithOneSpareAndTwoCallsPerBrowser) {
    auto cfg = parse("");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    EXPECT_EQ(cfg->browser.executable, "/usr/lib/chromium/chromium");
    EXPECT_EQ(cfg->browser.spares, 1U);
    EXPECT_EQ(cfg->browser.calls_per_browser, 2U);
    EXPECT_EQ(cfg->browser.spare_refill_hold_ms, 5000U);
    EXPECT_EQ(cfg->browser.window_width, 1280U);
    EXPECT_EQ(cfg->browser.window_height, 920U);
    EXPECT_TRUE(cfg->browser.extra_flags.empty());
}

TEST(BrowserConfig, AllKeysAreRead) {
    auto cfg = parse(R"([browser]
executable = "/opt/chromium/chrome"
extra_flags = ["--lang=fr", "--force-device-scale-factor=1"]
profile_dir = "/var/tmp/smgw"
log_file = "/var/log/smgw-chromium.log"
spares = 3
calls_per_browser = 1
spare_refill_hold_ms = 0
window_width = 640
window_height = 560
start_timeout_ms = 5000
heartbeat_interval_ms = 0
heartbeat_timeout_ms = 2000
meeting_video = "tab"
forward_encoded_video = false
forward_encoded_meeting_video = false
)");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    EXPECT_EQ(cfg->browser.executable, "/opt/chromium/chrome");
    ASSERT_EQ(cfg->browser.extra_flags.size(), 2U);
    EXPECT_EQ(cfg->browser.extra_flags[1], "--force-device-scale-factor=1");
    EXPECT_EQ(cfg->browser.profile_dir, "/var/tmp/smgw");
    EXPECT_EQ(cfg->browser.log_file, "/var/log/smgw-chromium.log");
    EXPECT_EQ(cfg->browser.spares, 3U);
    EXPECT_EQ(cfg->browser.calls_per_browser, 1U);
    EXPECT_EQ(cfg->browser.spare_refill_hold_ms, 0U);
    EXPECT_EQ(cfg->browser.window_width, 640U);
    EXPECT_EQ(cfg->browser.window_height, 560U);
    EXPECT_EQ(cfg->browser.start_timeout_ms, 5000U);
    EXPECT_EQ(cfg->browser.heartbeat_interval_ms, 0U);
    EXPECT_EQ(cfg->browser.heartbeat_timeout_ms, 2000U);
    EXPECT_EQ(cfg->browser.meeting_video, "tab");
    EXPECT_FALSE(cfg->browser.forward_encoded_video);
    EXPECT_FALSE(cfg->browser.forward_encoded_meeting_video);
}

TEST(BrowserConfig, MeetingVideoIsTheCompositorByDefaultAndOnlyTabOrCompositor) {
    auto cfg = parse("");
    ASSERT_TRUE(cfg.ok());
    EXPECT_EQ(cfg->browser.meeting_video, "compositor");
    EXPECT_TRUE(cfg->browser.forward_encoded_video);
    EXPECT_TRUE(cfg->browser.forward_encoded_meeting_video);
    auto bad = parse("[browser]\nmeeting_video = \"grid\"\n");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("browser.meeting_video"), std::string::npos)
        << bad.error().message;
    EXPECT_NE(bad.error().message.find("grid"), std::string::npos) << bad.error().message;
}

TEST(BrowserConfig, MeetingLayoutIsSpeakerByDefaultAndOnlySpeakerOrGrid) {
    auto cfg = parse("");
    ASSERT_TRUE(cfg.ok());
    EXPECT_EQ(cfg->browser.meeting_layout, "speaker");
    EXPECT_EQ(cfg->dtmf.layout, "5");
    auto grid = parse("[browser]\nmeeting_layout = \"grid\"\n[dtmf]\nlayout = \"*\"\n");
    ASSERT_TRUE(grid.ok()) << grid.error().message;
    EXPECT_EQ(grid->browser.meeting_layout, "grid");
    EXPECT_EQ(grid->dtmf.layout, "*");
    auto bad = parse("[browser]\nmeeting_layout = \"mosaic\"\n");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("'browser.meeting_layout' must be \"speaker\" or \"grid\""),
              std::string::npos)
        << bad.error().message;
    EXPECT_NE(bad.error().message.find("mosaic"), std::string::npos) << bad.error().message;
    auto clash = parse("[dtmf]\nlayout = \"6\"\n");
    ASSERT_FALSE(clash.ok());
    EXPECT_NE(clash.error().message.find("'dtmf.layout' uses key '6', already used by 'dtmf.tile'"),
              std::string::npos)
        << clash.error().message;
}

TEST(BrowserConfig, UnknownKeyNamesKeyAndLine) {
    auto cfg = parse("[browser]\nspares = 1\nspare = 2\n");
    ASSERT_FALSE(cfg.ok());
    EXPECT_NE(cfg.error().message.find("test.toml:3:"), std::string::npos) << cfg.error().message;
    EXPECT_NE(cfg.error().message.find("browser.spare"), std::string::npos);
}

TEST(BrowserConfig, OutOfRangeAndBadFlagsAreErrors) {
    auto many = parse("[browser]\nspares = 65\n");
    ASSERT_FALSE(many.ok());
    EXPECT_NE(many.error().message.find("browser.spares"), std::string::npos);
    auto hold = parse("[browser]\nspare_refill_hold_ms = 60001\n");
    ASSERT_FALSE(hold.ok());
    EXPECT_NE(hold.error().message.find("browser.spare_refill_hold_ms"), std::string::npos);
    auto flag = parse("[browser]\nextra_flags = [\"headless\"]\n");
    ASSERT_FALSE(flag.ok());
    EXPECT_NE(flag.error().message.find("must start with --"), std::string::npos);
    auto empty = parse("[browser]\nexecutable = \"\"\n");
    ASSERT_FALSE(empty.ok());
    EXPECT_NE(empty.error().message.find("browser.executable"), std::string::npos);
}

}  // namespace
