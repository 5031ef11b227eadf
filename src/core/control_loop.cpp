#include "core/control_loop.hpp"

#include <spdlog/spdlog.h>

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace core {

namespace {
ControlLoop* g_running_loop = nullptr;  // re_main's signal handler takes no argument
}  // namespace

LibreRuntime::LibreRuntime() : err_(libre_init()) {}

LibreRuntime::~LibreRuntime() {
    if (err_ == 0) libre_close();
}

ControlLoop::ControlLoop(size_t max_queued)
    : max_queued_(max_queued), control_thread_(std::this_thread::get_id()) {
    const int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) {
        spdlog::error("core: cannot create the control queue: {}", std::strerror(errno));
        return;
    }
    if (const int err = fd_listen(fd, FD_READ, &ControlLoop::on_wake, this); err != 0) {
        spdlog::error("core: cannot watch the control queue: {}", std::strerror(err));
        ::close(fd);
        return;
    }
    wake_fd_ = fd;
}

ControlLoop::~ControlLoop() {
    if (g_running_loop == this) g_running_loop = nullptr;
    if (wake_fd_ >= 0) {
        fd_close(wake_fd_);
        ::close(wake_fd_);
    }
}

int ControlLoop::run(SignalHandler on_signal) {
    on_signal_ = std::move(on_signal);
    {
        std::lock_guard lock(mutex_);
        control_thread_ = std::this_thread::get_id();
    }
    g_running_loop = this;
    const int err = re_main(&ControlLoop::on_re_signal);
    g_running_loop = nullptr;
    return err;
}

void ControlLoop::stop() {
    re_cancel();
}

bool ControlLoop::post(std::function<void()> fn) {
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        if (queue_.size() >= max_queued_ && std::this_thread::get_id() != control_thread_) {
            // Logged by the reader of /metrics, not here: a log line per drop is the flood's
            // second channel.
            ++dropped_;
            return false;
        }
        wake = queue_.empty();
        queue_.push_back(std::move(fn));
    }
    if (wake && wake_fd_ >= 0) {
        const uint64_t one = 1;
        // EAGAIN means the counter is already non-zero: the reader is woken anyway.
        (void)!::write(wake_fd_, &one, sizeof one);
    }
    return true;
}

uint64_t ControlLoop::dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

size_t ControlLoop::queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

void ControlLoop::on_wake(int /*flags*/, void* arg) {
    static_cast<ControlLoop*>(arg)->drain();
}

void ControlLoop::drain() {
    uint64_t count = 0;
    (void)!::read(wake_fd_, &count, sizeof count);
    // Run only what is queued now; closures posted meanwhile wait for the next loop turn, so
    // timers and sockets get their share between batches.
    std::deque<std::function<void()>> batch;
    {
        std::lock_guard lock(mutex_);
        batch.swap(queue_);
    }
    for (auto& fn : batch) {
        if (fn) fn();
    }
    std::lock_guard lock(mutex_);
    if (!queue_.empty() && wake_fd_ >= 0) {
        const uint64_t one = 1;
        (void)!::write(wake_fd_, &one, sizeof one);
    }
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
