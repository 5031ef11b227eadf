// A control loop for tests: runs re_main on the test thread until a condition holds.
#pragma once

#include <functional>
#include <memory>

namespace core {
class ControlLoop;
}

namespace media_test {

class TestLoop {
public:
    TestLoop();
    ~TestLoop();
    core::ControlLoop& loop();
    // Polls pred every 20 ms on the control thread; true once it holds, false at the deadline.
    bool run_until(const std::function<bool()>& pred, int timeout_ms);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace media_test
