// Stops discarded browsers off the control thread. Chromium takes 0.1–0.4 s to exit on SIGTERM
// (measured); waiting for that on the control thread would stall SIP and every other call.
// The reaper's worker thread terminates the process group and removes the profile; it holds no
// libre object, only the process and the directory.
#pragma once

#include "browser/temp_dir.hpp"
#include "core/child_process.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace browser {

class Reaper {
public:
    // The process-wide reaper (joined at exit, after finishing its queue).
    static Reaper& instance();
    ~Reaper();
    Reaper(const Reaper&) = delete;
    Reaper& operator=(const Reaper&) = delete;

    // Takes the process (SIGTERM, SIGKILL after grace; immediately SIGKILL when kill_now) and
    // the profile directory (removed once the process is gone).
    void discard(core::ChildProcess process, TempDir profile, bool kill_now,
                 std::chrono::milliseconds grace);
    // Blocks until everything handed over so far is gone, or timeout; true when idle.
    bool drain(std::chrono::milliseconds timeout = std::chrono::seconds(30));

private:
    Reaper() = default;
    struct Job {
        core::ChildProcess process;
        TempDir profile;
        bool kill_now = false;
        std::chrono::milliseconds grace{0};
    };
    void run();

    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable idle_;
    std::deque<Job> jobs_;
    size_t busy_ = 0;
    bool stopping_ = false;
    std::thread worker_;
};

}  // namespace browser
