#include "core/control_loop.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <chrono>
#include <future>
#include <thread>

namespace {

using namespace std::chrono_literals;

// Runs the loop until pred holds or a generous deadline passes.
bool run_until(core::ControlLoop& loop, const std::function<bool()>& pred) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    core::Timer poll;
    bool met = false;
    std::function<void()> tick = [&] {
        if (pred()) {
            met = true;
            loop.stop();
        } else if (std::chrono::steady_clock::now() > deadline) {
            loop.stop();
        } else {
            poll.start(5, tick);
        }
    };
    poll.start(0, tick);
    loop.run();
    return met;
}

// Finding 4 of the 2026-12 review: the libre mqueue was a blocking pipe; a flood from a media
// thread filled it and the next post blocked (the control thread itself would deadlock).
TEST(CoreControlLoop, FloodFromAnotherThreadNeverBlocksAndIsCounted) {
    core::LibreRuntime runtime;
    core::ControlLoop loop(64);
    ASSERT_TRUE(loop.ok());
    int ran = 0;
    auto flood = std::async(std::launch::async, [&] {
        for (int i = 0; i < 100000; ++i) (void)loop.post([&ran] { ++ran; });
    });
    if (flood.wait_for(60s) != std::future_status::ready) {
        ADD_FAILURE() << "post() blocked with the control thread idle";
        _exit(1);  // the poster is stuck for good; do not hang the test run
    }
    EXPECT_EQ(loop.dropped(), 100000u - 64u);
    EXPECT_EQ(loop.queued(), 64u);
    EXPECT_TRUE(run_until(loop, [&] { return ran == 64; }));
    EXPECT_EQ(loop.queued(), 0u);
}

TEST(CoreControlLoop, PostsFromTheControlThreadAreNeverDropped) {
    core::LibreRuntime runtime;
    core::ControlLoop loop(8);
    std::thread filler([&] {
        for (int i = 0; i < 100; ++i) (void)loop.post([] {});
    });
    filler.join();
    bool teardown_ran = false;
    bool posted = false;
    core::Timer t;
    t.start(0, [&] {
        // Teardown paths post from the control thread while media threads flood the queue.
        for (int i = 0; i < 100; ++i) posted = loop.post([] {}) || posted;
        posted = loop.post([&] { teardown_ran = true; }) && posted;
    });
    EXPECT_TRUE(run_until(loop, [&] { return teardown_ran; }));
    EXPECT_TRUE(posted);
    EXPECT_EQ(loop.dropped(), 92u);
}

TEST(CoreControlLoop, ClosuresRunInOrder) {
    core::LibreRuntime runtime;
    core::ControlLoop loop;
    std::string order;
    std::thread poster([&] {
        for (char c : std::string("abcdef")) (void)loop.post([&order, c] { order += c; });
    });
    poster.join();
    EXPECT_TRUE(run_until(loop, [&] { return order.size() == 6; }));
    EXPECT_EQ(order, "abcdef");
}

}  // namespace
