// The BFCP floor state machine (issue 14): grant at once (Pending, then Granted), release,
// revoke, errors for unknown floors and requests, a re-request replacing the old grant.
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

}  // namespace
