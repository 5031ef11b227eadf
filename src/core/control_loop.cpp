#include "core/control_loop.hpp"

#include <spdlog/spdlog.h>

#include <cstring>
#include <memory>

namespace core {

namespace {
ControlLoop* g_running_loop = nullptr;  // re_main's signal handler takes no argument
using Closure = std::function<void()>;
}  // namespace

LibreRuntime::LibreRuntime() : err_(libre_init()) {}

LibreRuntime::~LibreRuntime() {
    if (err_ == 0) libre_close();
}

ControlLoop::ControlLoop() {
    struct mqueue* raw = nullptr;
    const int err = mqueue_alloc(&raw, &ControlLoop::on_message, this);
    if (err != 0) {
        spdlog::error("core: cannot create the control queue: {}", std::strerror(err));
        return;
    }
    queue_.reset(raw);
}

ControlLoop::~ControlLoop() {
    if (g_running_loop == this) g_running_loop = nullptr;
}

int ControlLoop::run(SignalHandler on_signal) {
    on_signal_ = std::move(on_signal);
    g_running_loop = this;
    const int err = re_main(&ControlLoop::on_re_signal);
    g_running_loop = nullptr;
    return err;
}

void ControlLoop::stop() {
    re_cancel();
}

void ControlLoop::post(std::function<void()> fn) {
    auto boxed = std::make_unique<Closure>(std::move(fn));
    // mqueue writes to a pipe, so this is safe from any thread; ownership travels with it.
    if (mqueue_push(queue_.get(), 0, boxed.get()) == 0) {
        (void)boxed.release();
    } else {
        spdlog::error("core: control queue full, event dropped");
    }
}

void ControlLoop::on_message(int /*id*/, void* data, void* /*arg*/) {
    std::unique_ptr<Closure> fn(static_cast<Closure*>(data));
    if (fn && *fn) (*fn)();
}

void ControlLoop::on_re_signal(int sig) {
    if (g_running_loop != nullptr && g_running_loop->on_signal_) {
        g_running_loop->on_signal_(sig);
    } else {
        re_cancel();
    }
}

Timer::Timer() {
    tmr_init(&tmr_);
}

Timer::~Timer() {
    tmr_cancel(&tmr_);
}

void Timer::start(uint64_t delay_ms, std::function<void()> fn) {
    fn_ = std::move(fn);
    tmr_start(&tmr_, delay_ms, &Timer::on_timeout, this);
}

void Timer::cancel() {
    tmr_cancel(&tmr_);
}

bool Timer::active() const {
    return tmr_isrunning(&tmr_);
}

void Timer::on_timeout(void* arg) {
    auto* self = static_cast<Timer*>(arg);
    // The handler may re-arm or destroy this timer; run a copy.
    auto fn = self->fn_;
    if (fn) fn();
}

FdWatch::~FdWatch() {
    reset();
}

Status FdWatch::watch(int fd, int flags, Handler handler) {
    reset();
    handler_ = std::move(handler);
    const int err = fd_listen(fd, flags, &FdWatch::on_fd, this);
    if (err != 0) return fail(std::string("fd_listen: ") + std::strerror(err));
    fd_ = fd;
    return Ok{};
}

void FdWatch::reset() {
    if (fd_ >= 0) fd_close(fd_);
    fd_ = -1;
}

void FdWatch::on_fd(int flags, void* arg) {
    auto* self = static_cast<FdWatch*>(arg);
    auto h = self->handler_;
    if (h) h(flags);
}

}  // namespace core
