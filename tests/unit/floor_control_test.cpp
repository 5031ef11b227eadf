// The BFCP floor state machine (issue 14): grant at once (Pending, then Granted), release,
// revoke, errors for unknown floors and requests, a re-request replacing the old grant, and
// the gateway's own hold for a meeting share (the latest sharer wins).
#include "sip/floor_control.hpp"

#include <gtest/gtest.h>

#include <array>

namespace {

using sip::FloorControl;
using sip::FloorError;
using sip::FloorRequestState;

TEST(FloorControl, RequestIsPendingThenGranted) {
    FloorControl f(2);
    const std::array<uint16_t, 1> floors{2};
    auto a = f.request(floors);
    ASSERT_FALSE(a.error);
    EXPECT_EQ(a.request_id, 1);
    EXPECT_EQ(a.states, (std::vector<FloorRequestState>{FloorRequestState::Pending,
                                                        FloorRequestState::Granted}));
    EXPECT_TRUE(f.room_holds());
    EXPECT_EQ(f.holder(), 1);
}

TEST(FloorControl, ReleaseEndsTheGrant) {
    FloorControl f(1);
    const std::array<uint16_t, 1> floors{1};
    const auto id = f.request(floors).request_id;
    auto r = f.release(id);
    ASSERT_FALSE(r.error);
    EXPECT_EQ(r.states, std::vector<FloorRequestState>{FloorRequestState::Released});
    EXPECT_FALSE(f.room_holds());
    // Released twice: that request no longer exists.
    EXPECT_EQ(f.release(id).error, FloorError::FloorRequestIdDoesNotExist);
}

TEST(FloorControl, UnknownFloorOrNoFloorIsAnError) {
    FloorControl f(1);
    const std::array<uint16_t, 2> mixed{1, 5};
    EXPECT_EQ(f.request(mixed).error, FloorError::InvalidFloorId);
    EXPECT_EQ(f.request({}).error, FloorError::InvalidFloorId);
    EXPECT_FALSE(f.room_holds());
}

TEST(FloorControl, ReleaseOfAnUnknownRequestIsAnError) {
    FloorControl f(1);
    EXPECT_EQ(f.release(9).error, FloorError::FloorRequestIdDoesNotExist);
}

TEST(FloorControl, RequestAgainReplacesTheGrant) {
    FloorControl f(1);
    const std::array<uint16_t, 1> floors{1};
    const auto first = f.request(floors).request_id;
    const auto second = f.request(floors).request_id;
    EXPECT_NE(first, second);
    EXPECT_EQ(f.holder(), second);
    EXPECT_EQ(f.release(first).error, FloorError::FloorRequestIdDoesNotExist);
    EXPECT_FALSE(f.release(second).error);
}

TEST(FloorControl, RevokeOnlyWhenHeld) {
    FloorControl f(1);
    EXPECT_FALSE(f.revoke());
    const std::array<uint16_t, 1> floors{1};
    const auto id = f.request(floors).request_id;
    auto r = f.revoke();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->request_id, id);
    EXPECT_EQ(r->states, std::vector<FloorRequestState>{FloorRequestState::Revoked});
    EXPECT_FALSE(f.room_holds());
}

TEST(FloorControl, AnotherFloorIdRevokesTheOldGrant) {
    FloorControl f(1);
    const std::array<uint16_t, 1> floors{1};
    (void)f.request(floors);
    EXPECT_FALSE(f.set_floor_id(1));  // the same id changes nothing
    EXPECT_TRUE(f.room_holds());
    auto r = f.set_floor_id(4);
    ASSERT_TRUE(r);
    EXPECT_FALSE(f.room_holds());
    EXPECT_EQ(f.floor_id(), 4);
    const std::array<uint16_t, 1> old{1};
    EXPECT_EQ(f.request(old).error, FloorError::InvalidFloorId);
}

TEST(FloorControl, GatewayTakesAFreeFloor) {
    FloorControl f(2);
    EXPECT_FALSE(f.gateway_take());  // nobody to revoke
    EXPECT_TRUE(f.gateway_holds());
    EXPECT_FALSE(f.room_holds());
    const auto own = f.gateway_request();
    ASSERT_TRUE(own);
    EXPECT_FALSE(f.gateway_take());  // taking it again changes nothing
    EXPECT_EQ(f.gateway_request(), own);
    f.gateway_release();
    EXPECT_FALSE(f.gateway_holds());
    EXPECT_FALSE(f.gateway_wants());
}

TEST(FloorControl, GatewayTakingTheFloorRevokesTheRoom) {
    FloorControl f(2);
    const std::array<uint16_t, 1> floors{2};
    const auto room = f.request(floors).request_id;
    auto ended = f.gateway_take();
    ASSERT_TRUE(ended);
    EXPECT_EQ(ended->request_id, room);
    EXPECT_EQ(ended->states, std::vector<FloorRequestState>{FloorRequestState::Revoked});
    EXPECT_FALSE(f.room_holds());
    EXPECT_TRUE(f.gateway_holds());
    // One counter for both sharers: the room never sees an id twice.
    EXPECT_NE(f.gateway_request(), room);
    // The room's revoked request is gone.
    EXPECT_EQ(f.release(room).error, FloorError::FloorRequestIdDoesNotExist);
}

TEST(FloorControl, RoomTakingTheFloorFromTheGatewayWinsAndGivesItBack) {
    FloorControl f(2);
    (void)f.gateway_take();
    const auto first_own = f.gateway_request();
    const std::array<uint16_t, 1> floors{2};
    auto a = f.request(floors);
    ASSERT_FALSE(a.error);
    EXPECT_EQ(a.states.back(), FloorRequestState::Granted);
    EXPECT_TRUE(f.room_holds());
    EXPECT_FALSE(f.gateway_holds());
    EXPECT_TRUE(f.gateway_wants());
    // The room stops: the meeting's share, still running, is back on the content line.
    EXPECT_FALSE(f.release(a.request_id).error);
    EXPECT_TRUE(f.gateway_holds());
    EXPECT_NE(f.gateway_request(), first_own);
    EXPECT_NE(f.gateway_request(), a.request_id);
}

TEST(FloorControl, GatewayResumesAfterARevokedRoomButNotAfterItsOwnRelease) {
    FloorControl f(1);
    (void)f.gateway_take();
    const std::array<uint16_t, 1> floors{1};
    (void)f.request(floors);
    ASSERT_TRUE(f.revoke());  // the room said Goodbye
    EXPECT_TRUE(f.gateway_holds());
    f.gateway_release();
    const auto id = f.request(floors).request_id;
    EXPECT_FALSE(f.release(id).error);
    EXPECT_FALSE(f.gateway_holds());  // the share ended: nothing to resume
    EXPECT_FALSE(f.room_holds());
}

TEST(FloorControl, GatewayKeepsItsFloorAcrossAFloorIdChange) {
    FloorControl f(1);
    (void)f.gateway_take();
    EXPECT_FALSE(f.set_floor_id(3));  // nothing of the room's to revoke
    EXPECT_TRUE(f.gateway_holds());
    EXPECT_EQ(f.floor_id(), 3);
}

}  // namespace
