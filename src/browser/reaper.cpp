#include "browser/reaper.hpp"

#include <signal.h>

namespace browser {

Reaper& Reaper::instance() {
    static Reaper reaper;
    return reaper;
}

Reaper::~Reaper() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (worker_.joinable()) worker_.join();
}

void Reaper::discard(core::ChildProcess process, TempDir profile, bool kill_now,
                     std::chrono::milliseconds grace) {
    std::lock_guard lock(mutex_);
    jobs_.push_back(Job{std::move(process), std::move(profile), kill_now, grace});
    // Started on first use, so a process that never discards a browser has no extra thread.
    if (!worker_.joinable()) worker_ = std::thread([this] { run(); });
    wake_.notify_one();
}

bool Reaper::drain(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return idle_.wait_for(lock, timeout, [this] { return jobs_.empty() && busy_ == 0; });
}

void Reaper::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // stopping, and nothing left to do
        Job job = std::move(jobs_.front());
        jobs_.pop_front();
        ++busy_;
        lock.unlock();
        if (job.kill_now) job.process.signal(SIGKILL);
        job.process.terminate(job.grace);
        job.profile.remove();
        lock.lock();
        --busy_;
        if (jobs_.empty() && busy_ == 0) idle_.notify_all();
    }
}

}  // namespace browser
