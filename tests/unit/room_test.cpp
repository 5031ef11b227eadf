#include "gateway/room.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

using gateway::RoomKind;

TEST(Room, IvrForEmptyOrZero) {
    EXPECT_EQ(gateway::parse_room("")->kind, RoomKind::Ivr);
    EXPECT_EQ(gateway::parse_room("0")->kind, RoomKind::Ivr);
}

TEST(Room, Echo) {
    EXPECT_EQ(gateway::parse_room("echo")->kind, RoomKind::Echo);
}

TEST(Room, NamedRooms) {
    for (const char* name : {"testroom", "1234", "a.b_c-d", "00", "Echo"}) {
        auto r = gateway::parse_room(name);
        ASSERT_TRUE(r.ok()) << name;
        EXPECT_EQ(r->kind, RoomKind::Named);
        EXPECT_EQ(r->name, name);
    }
    EXPECT_TRUE(gateway::parse_room(std::string(128, 'x')).ok());
}

TEST(Room, InvalidNamesAreErrors) {
    for (const std::string& name : std::vector<std::string>{"a b", "room/1", "ro%6fm", "é", "a;b",
                                                            "<x>", std::string(129, 'x')}) {
        EXPECT_FALSE(gateway::parse_room(name).ok()) << name;
    }
}

}  // namespace

namespace {

TEST(RoomUser, DirectCallUsesTheRequestUri) {
    EXPECT_EQ(gateway::room_user("testroom", "whatever", false), "testroom");
    EXPECT_EQ(gateway::room_user("", "x", false), "");
}

TEST(RoomUser, SlotCallUsesTheToUser) {
    EXPECT_EQ(gateway::room_user("gw.1", "testroom", true), "testroom");
    EXPECT_EQ(gateway::room_user("gw.1", "gw.1", true), "");  // dialled the slot: IVR
    EXPECT_EQ(gateway::room_user("gw.1", "", true), "");
}

}  // namespace
