// The control thread: libre's re_main runs SIP, timers, the HTTP API, DevTools pipes and all
// session state. Other threads (GStreamer streaming threads) never touch that state; they post
// closures here, and the closures run on the control thread (DESIGN.md §3).
#pragma once

#include "core/re_handle.hpp"
#include "core/result.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace core {

// libre_init()/libre_close() for the life of the process (one per process).
class LibreRuntime {
public:
    LibreRuntime();
    ~LibreRuntime();
    LibreRuntime(const LibreRuntime&) = delete;
    LibreRuntime& operator=(const LibreRuntime&) = delete;
    [[nodiscard]] bool ok() const noexcept { return err_ == 0; }
    [[nodiscard]] int error() const noexcept { return err_; }

private:
    int err_ = 0;
};

class ControlLoop {
public:
    using SignalHandler = std::function<void(int signal)>;

    ~ControlLoop();
    ControlLoop(const ControlLoop&) = delete;
    ControlLoop& operator=(const ControlLoop&) = delete;

    // Posts from other threads beyond this many waiting closures are dropped (finding 4 of the
    // 2026-12 review: a blocking queue let a DTMF flood hang the control thread on itself).
    static constexpr size_t kMaxQueued = 4096;

    explicit ControlLoop(size_t max_queued = kMaxQueued);

    [[nodiscard]] bool ok() const noexcept { return wake_fd_ >= 0; }

    // Runs until stop(). SIGINT/SIGTERM/SIGHUP go to on_signal (on the control thread).
    int run(SignalHandler on_signal = {});
    // Makes run() return once the current handler finishes. Control thread only.
    void stop();
    // Thread-safe: queue fn to run on the control thread. Never blocks. From another thread,
    // fn is dropped (and counted) while the queue is full; from the control thread itself it is
    // always queued, since teardown paths rely on it and they cannot flood.
    // Returns false when fn was dropped.
    bool post(std::function<void()> fn);
    // Closures dropped because the queue was full, since start (for /metrics).
    [[nodiscard]] uint64_t dropped() const;
    [[nodiscard]] size_t queued() const;

private:
    static void on_wake(int flags, void* arg);
    static void on_re_signal(int sig);
    void drain();

    size_t max_queued_;
    int wake_fd_ = -1;  // non-blocking eventfd: a write never waits, whatever the reader does
    std::thread::id control_thread_;
    mutable std::mutex mutex_;
    std::deque<std::function<void()>> queue_;
    uint64_t dropped_ = 0;
    SignalHandler on_signal_;
};

// One-shot timer on the control thread; cancelled when destroyed. Not movable: libre keeps a
// pointer to it while it is armed.
class Timer {
public:
    Timer();
    ~Timer();
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;

    void start(uint64_t delay_ms, std::function<void()> fn);
    void cancel();
    [[nodiscard]] bool active() const;

private:
    static void on_timeout(void* arg);
    struct tmr tmr_ {};
    std::function<void()> fn_;
};

// Watches a file descriptor on the control loop; stops watching when destroyed (does not close).
class FdWatch {
public:
    using Handler = std::function<void(int flags)>;
    FdWatch() = default;
    ~FdWatch();
    FdWatch(const FdWatch&) = delete;
    FdWatch& operator=(const FdWatch&) = delete;

    Status watch(int fd, int flags, Handler handler);
    void reset();

private:
    static void on_fd(int flags, void* arg);
    int fd_ = -1;
    Handler handler_;
};

}  // namespace core
