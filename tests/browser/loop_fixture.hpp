// Runs the real control loop (libre re_main) in a test until a condition holds or a generous
// deadline passes; conditions are polled, never waited for with fixed sleeps.
#pragma once

#include "core/control_loop.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace browser_test {

class LoopFixture : public ::testing::Test {
protected:
    void SetUp() override {
        loop_ = std::make_unique<core::ControlLoop>();
        ASSERT_TRUE(loop_->ok());
    }
    void TearDown() override { loop_.reset(); }

    // Runs the loop until pred() is true (checked every 10 ms) or timeout; returns pred().
    bool run_until(const std::function<bool()>& pred,
                   std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
        if (pred()) return true;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        core::Timer poll;
        std::function<void()> check;
        check = [&]() {
            if (pred() || std::chrono::steady_clock::now() >= deadline) {
                loop_->stop();
                return;
            }
            poll.start(10, check);
        };
        poll.start(0, check);
        loop_->run();
        return pred();
    }

    std::unique_ptr<core::ControlLoop> loop_;
};

}  // namespace browser_test
