#include "gateway/in_call_keys.hpp"

#include <gtest/gtest.h>

namespace {

TEST(InCallKeys, DefaultsFollowTheDesign) {
    core::DtmfConfig keys;
    EXPECT_EQ(gateway::in_call_key_for(keys, '1'), gateway::InCallKey::Mute);
    EXPECT_EQ(gateway::in_call_key_for(keys, '2'), gateway::InCallKey::Camera);
    EXPECT_EQ(gateway::in_call_key_for(keys, '4'), gateway::InCallKey::Hand);
    EXPECT_EQ(gateway::in_call_key_for(keys, '6'), gateway::InCallKey::TileView);
    EXPECT_EQ(gateway::in_call_key_for(keys, '5'), gateway::InCallKey::Layout);
    EXPECT_EQ(gateway::in_call_key_for(keys, '#'), gateway::InCallKey::Menu);
    EXPECT_EQ(gateway::in_call_key_for(keys, '0'), gateway::InCallKey::Leave);
    EXPECT_FALSE(gateway::in_call_key_for(keys, '9').has_value());
}

TEST(InCallKeys, RebindAndDisable) {
    core::DtmfConfig keys;
    keys.hand = "";
    keys.mute = "*";
    EXPECT_FALSE(gateway::in_call_key_for(keys, '4').has_value());
    EXPECT_EQ(gateway::in_call_key_for(keys, '*'), gateway::InCallKey::Mute);
    auto lines = gateway::in_call_menu_lines(keys, "en");
    ASSERT_EQ(lines.size(), 6U);
    EXPECT_EQ(lines.front(), "0  leave the meeting");
    EXPECT_EQ(lines[2], "5  speaker view / grid");
    EXPECT_EQ(lines.back(), "#  this menu");
    EXPECT_EQ(gateway::in_call_menu_lines(keys, "fr").front(), "0  quitter la réunion");
}

}  // namespace
