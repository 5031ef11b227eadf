// One Chromium process: headless, a fresh profile, DevTools on a private pipe (fds 3 and 4 in the
// child) so no port is open for other processes. It is killed and its profile removed when this
// object goes away.
#pragma once

#include "browser/owned_fd.hpp"
#include "browser/temp_dir.hpp"
#include "core/child_process.hpp"
#include "core/control_loop.hpp"
#include "core/result.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace browser {

struct LaunchOptions {
    // The binary itself: the /usr/bin/chromium wrapper adds extensions and API keys.
    std::string executable = "/usr/lib/chromium/chromium";
    std::vector<std::string> extra_flags;
    std::string profile_parent;  // where per-browser profiles go; empty: $TMPDIR or /tmp
    std::string stderr_path = "/dev/null";
    uint32_t window_width = 1280;
    uint32_t window_height = 920;  // 920 leaves a 1280x720 viewport for tab capture
    // UI language and Accept-Language ("en", "fr": [ivr] language), so that a service's texts
    // are the ones its adapter knows; empty: Chromium's default.
    std::string language;
};

// The full command line for a profile directory (exposed for tests and docs).
std::vector<std::string> chromium_command_line(const LaunchOptions& options,
                                               const std::string& user_data_dir);

class Chromium {
public:
    struct Key {  // only the factory makes one
        explicit Key() = default;
    };
    explicit Chromium(Key /*factory only*/) {}
    using ExitHandler = std::function<void(int wait_status)>;

    static core::Result<std::unique_ptr<Chromium>> launch(const LaunchOptions& options);
    ~Chromium();
    Chromium(const Chromium&) = delete;
    Chromium& operator=(const Chromium&) = delete;

    [[nodiscard]] pid_t pid() const noexcept { return process_.pid(); }
    [[nodiscard]] const std::string& user_data_dir() const noexcept { return profile_.path(); }
    [[nodiscard]] bool running() { return process_.running(); }
    [[nodiscard]] std::optional<int> exit_status() const { return process_.exit_status(); }

    // The parent's ends of the DevTools pipe (non-blocking); the caller takes them once.
    OwnedFd take_devtools_read() { return std::move(devtools_read_); }
    OwnedFd take_devtools_write() { return std::move(devtools_write_); }

    // Calls on_exit on the control thread once the process has exited (reaped).
    core::Status watch_exit(ExitHandler on_exit);

    // Graceful stop (SIGTERM, then SIGKILL after grace), then the profile is removed. Blocks.
    void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));
    // Same, without blocking: the process and profile go to the Reaper's thread.
    void stop_in_background(bool kill_now,
                            std::chrono::milliseconds grace = std::chrono::milliseconds(2000));
    // For a browser already judged broken (hung, crashed): no grace.
    void kill_now();

private:
    void on_pidfd();

    TempDir profile_;
    core::ChildProcess process_;
    OwnedFd devtools_read_;
    OwnedFd devtools_write_;
    OwnedFd pidfd_;
    core::FdWatch exit_watch_;
    core::Timer exit_poll_;  // fallback when pidfd_open is unavailable
    ExitHandler on_exit_;
    bool exit_reported_ = false;
};

// "exited with status 0" / "killed by signal 9"
std::string describe_wait_status(int wait_status);

}  // namespace browser
