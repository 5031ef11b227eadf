// The control loop as seen from media/: post a closure, run a repeating timer.
// Keeps libre's headers out of media/'s headers (<re.h> declares `struct sip`, which
// collides with `namespace sip` unless it comes through core/libre.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

namespace core {
class ControlLoop;
class Timer;
}  // namespace core

namespace media {

// Thread-safe: fn runs later on the control thread.
void post_to_control(core::ControlLoop& loop, std::function<void()> fn);

// Calls fn every period_ms on the control thread until cancelled or destroyed.
class RepeatingTimer {
public:
    RepeatingTimer();
    ~RepeatingTimer();
    RepeatingTimer(const RepeatingTimer&) = delete;
    RepeatingTimer& operator=(const RepeatingTimer&) = delete;
    void start(uint64_t period_ms, std::function<void()> fn);
    void cancel();

private:
    void arm();
    std::unique_ptr<core::Timer> timer_;
    uint64_t period_ms_ = 0;
    std::function<void()> fn_;
};

}  // namespace media
