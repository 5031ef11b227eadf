// A child program we started (Chromium, or a test peer): owned by PID, in its own process group
// so that stopping it also stops the helpers it forked, and never anything we did not start.
#pragma once

#include "core/result.hpp"

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace core {

struct SpawnOptions {
    std::vector<std::string> env_extra;       // "KEY=value" added to our environment
    std::vector<std::pair<int, int>> fd_map;  // {child fd, parent fd} dup2'd in child
    std::string stdout_path;                  // empty: inherit
    std::string stderr_path;                  // empty: inherit
    std::string working_dir;                  // empty: inherit
};

class ChildProcess {
public:
    ChildProcess() = default;
    ~ChildProcess();  // terminates (SIGTERM, then SIGKILL) if still running
    ChildProcess(ChildProcess&& other) noexcept;
    ChildProcess& operator=(ChildProcess&& other) noexcept;
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    static Result<ChildProcess> spawn(const std::vector<std::string>& argv,
                                      const SpawnOptions& options = {});

    [[nodiscard]] pid_t pid() const noexcept { return pid_; }
    [[nodiscard]] bool running();
    // Exit status once reaped (waitpid encoding), if it has exited.
    [[nodiscard]] std::optional<int> exit_status() const noexcept { return status_; }

    // Sends sig to the whole process group of the child.
    void signal(int sig) const;
    // SIGTERM, wait up to grace, then SIGKILL; reaps. Returns the wait status.
    int terminate(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));
    // Blocks until exit or timeout; true when it exited.
    bool wait_for(std::chrono::milliseconds timeout);

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
};

}  // namespace core
