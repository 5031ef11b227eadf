#include "media/control_bridge.hpp"

#include "core/control_loop.hpp"

namespace media {

void post_to_control(core::ControlLoop& loop, std::function<void()> fn) {
    loop.post(std::move(fn));
}

RepeatingTimer::RepeatingTimer() : timer_(std::make_unique<core::Timer>()) {}

RepeatingTimer::~RepeatingTimer() = default;

void RepeatingTimer::start(uint64_t period_ms, std::function<void()> fn) {
    period_ms_ = period_ms;
    fn_ = std::move(fn);
    arm();
}

void RepeatingTimer::cancel() {
    timer_->cancel();
}

void RepeatingTimer::arm() {
    timer_->start(period_ms_, [this] {
        arm();  // before fn: fn may cancel or destroy us
        auto fn = fn_;
        if (fn) fn();
    });
}

}  // namespace media
