// A baresip caller in the demo's meeting, as the meeting call tests drive one: dialled into room
// 1234 and waited for until the gateway has it in the meeting, seen and heard by the observer,
// then hung up, with the demo stopped cleanly (exit 0, no browser left).
#pragma once

#include "demo_gateway.hpp"
#include "meeting_fixture.hpp"
#include "support/baresip_peer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <regex>
#include <string>

namespace e2e {

// The caller hangs up and the gateway ends its session.
inline void hang_up(testsupport::BaresipPeer& caller, DemoGateway& gw) {
    (void)caller.ctrl().command("hangup");
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("ended, 0 active"), std::chrono::seconds(30)))
        << gw.program().tail(80);
}

// SIGTERM: the demo exits 0 and leaves no browser behind.
inline void expect_clean_stop(DemoGateway& gw) {
    EXPECT_TRUE(gw.terminate()) << gw.program().tail(40);
    const std::string left = gw.browsers_left(std::chrono::seconds(30));
    EXPECT_TRUE(left.empty()) << left;
}

class MeetingCallFixture : public MeetingFixture {
protected:
    // The observer's measurements once it has decoded several seconds of the caller's video
    // (90 frames: a bridge that stalls or ends the call cannot pass) and hears its 440 Hz.
    browser::Json observed_caller() {
        return observed([](const browser::Json& o) {
            return o.is_object() && o["frames"].get<int>() >= 90 &&
                   std::abs(o["peakHz"].get<double>() - 440) < 30 &&
                   o["levelDb"].get<double>() > -70;
        });
    }

    // A baresip caller started with `o` that dialled room 1234 on the demo, once its call is up
    // and the gateway has it in the meeting; null (with a test failure) when it gets no further.
    static std::unique_ptr<testsupport::BaresipPeer> caller_in_meeting(
        DemoGateway& gw, const std::filesystem::path& dir, const testsupport::BaresipOptions& o) {
        auto& log = gw.program();
        auto caller = testsupport::BaresipPeer::start(dir, o);
        if (!caller) {
            ADD_FAILURE() << caller.error().message;
            return nullptr;
        }
        if (auto st = (*caller)->dial("sip:1234@127.0.0.1:5060"); !st) {
            ADD_FAILURE() << "dial: " << st.error().message;
            return nullptr;
        }
        if (!(*caller)->wait_established(std::chrono::seconds(30))) {
            ADD_FAILURE() << "the call was not established\n" << log.tail();
            return nullptr;
        }
        if (!log.wait_for_log(std::regex("state joining -> in_call"), std::chrono::seconds(90))) {
            ADD_FAILURE() << "the call did not get into the meeting\n" << log.tail(80);
            return nullptr;
        }
        return std::move(*caller);
    }

    // The caller hangs up and the session ends; then as leave_and_stop().
    void hang_up_and_stop(testsupport::BaresipPeer& caller, DemoGateway& gw) {
        hang_up(caller, gw);
        leave_and_stop(gw);
    }

    // The observer leaves; then expect_clean_stop().
    void leave_and_stop(DemoGateway& gw) {
        leave_observer();
        expect_clean_stop(gw);
    }
};

}  // namespace e2e
