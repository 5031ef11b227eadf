#include "gateway/session_state.hpp"

#include <gtest/gtest.h>

namespace {

using gateway::SessionState;

TEST(SessionState, NamedRoomPath) {
    gateway::SessionStateMachine m("s1");
    EXPECT_EQ(m.state(), SessionState::Answering);
    EXPECT_TRUE(m.change(SessionState::Joining, "room=x"));
    EXPECT_TRUE(m.change(SessionState::InCall, "joined"));
    EXPECT_TRUE(m.change(SessionState::Ending, "bye"));
    EXPECT_EQ(m.state(), SessionState::Ending);
}

TEST(SessionState, IvrPath) {
    gateway::SessionStateMachine m("s2");
    EXPECT_TRUE(m.change(SessionState::Ivr, "no room"));
    EXPECT_TRUE(m.change(SessionState::Joining, "digits"));
    EXPECT_TRUE(m.change(SessionState::Ivr, "room not found"));
    EXPECT_TRUE(m.change(SessionState::Ending, "3 tries"));
}

TEST(SessionState, RefusedTransitionsKeepTheState) {
    gateway::SessionStateMachine m("s3");
    EXPECT_FALSE(m.change(SessionState::Answering, "again"));
    EXPECT_TRUE(m.change(SessionState::InCall, "echo"));
    EXPECT_FALSE(m.change(SessionState::Ivr, "late"));
    EXPECT_FALSE(m.change(SessionState::Joining, "late"));
    EXPECT_EQ(m.state(), SessionState::InCall);
    EXPECT_TRUE(m.change(SessionState::Ending, "bye"));
    EXPECT_FALSE(m.change(SessionState::Ending, "twice"));
    EXPECT_FALSE(m.change(SessionState::InCall, "after end"));
}

TEST(SessionState, Names) {
    EXPECT_STREQ(gateway::state_name(SessionState::InCall), "in_call");
    EXPECT_STREQ(gateway::state_name(SessionState::Answering), "answering");
}

}  // namespace
