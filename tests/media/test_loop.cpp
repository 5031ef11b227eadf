#include "test_loop.hpp"

#include "core/control_loop.hpp"

#include <glib.h>

namespace media_test {

struct TestLoop::Impl {
    core::LibreRuntime runtime;
    core::ControlLoop loop;
};

TestLoop::TestLoop() : impl_(std::make_unique<Impl>()) {}
TestLoop::~TestLoop() = default;

core::ControlLoop& TestLoop::loop() {
    return impl_->loop;
}

bool TestLoop::run_until(const std::function<bool()>& pred, int timeout_ms) {
    if (pred()) return true;
    const gint64 deadline = g_get_monotonic_time() + static_cast<gint64>(timeout_ms) * 1000;
    bool met = false;
    core::Timer poll;
    std::function<void()> tick = [&] {
        if (pred()) {
            met = true;
            impl_->loop.stop();
        } else if (g_get_monotonic_time() >= deadline) {
            impl_->loop.stop();
        } else {
            poll.start(20, tick);
        }
    };
    poll.start(20, tick);
    impl_->loop.run();
    return met;
}

}  // namespace media_test
