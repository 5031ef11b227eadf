// A program a test started: a core::ChildProcess whose stdout and stderr go to one log file in
// the test's temp dir. Tests wait for log lines; when a test fails, the log tail is printed.
#pragma once

#include "core/child_process.hpp"
#include "core/result.hpp"

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace testsupport {

class Program {
public:
    static core::Result<Program> start(std::string name, std::vector<std::string> argv,
                                       const std::filesystem::path& log_dir,
                                       std::vector<std::string> env_extra = {});
    Program() = default;
    ~Program();  // prints the log tail if the current test failed, then terminates
    Program(Program&&) noexcept = default;
    Program& operator=(Program&& other) noexcept;

    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    [[nodiscard]] pid_t pid() const noexcept { return child_.pid(); }
    [[nodiscard]] const std::filesystem::path& log_path() const noexcept { return log_; }
    [[nodiscard]] std::string log() const;
    [[nodiscard]] std::string tail(std::size_t lines = 40) const;
    // Byte offset of the log's end: pass it to wait_for_log to see only what comes after.
    [[nodiscard]] std::size_t log_size() const;

    // True once `re` matches the log text after byte `from` (searched as one string: use "\n",
    // not ^ and $, to anchor at line ends).
    bool wait_for_log(const std::regex& re, std::chrono::milliseconds timeout,
                      std::size_t from = 0) const;
    [[nodiscard]] bool log_contains(const std::regex& re, std::size_t from = 0) const;

    bool running() { return child_.running(); }
    void signal(int sig) const { child_.signal(sig); }
    bool wait_exit(std::chrono::milliseconds timeout) { return child_.wait_for(timeout); }
    // Exit code if it exited normally; nullopt while running or when killed by a signal.
    [[nodiscard]] std::optional<int> exit_code() const;
    [[nodiscard]] std::optional<int> exit_status() const { return child_.exit_status(); }
    // SIGTERM, then SIGKILL after `grace`; returns the wait status.
    int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
    // Prints the log tail to stderr (done automatically on failure).
    void dump_tail(std::size_t lines = 40) const;

private:
    std::string name_;
    std::filesystem::path log_;
    core::ChildProcess child_;
};

// Runs a short command to completion (kamcmd, openssl ...), output captured.
struct CommandOutput {
    int exit_code = -1;
    std::string output;  // stdout and stderr together
};
core::Result<CommandOutput> run_command(const std::vector<std::string>& argv,
                                        const std::filesystem::path& scratch_dir,
                                        std::chrono::milliseconds timeout);

// Process groups started by any Program in this test binary that still have a live member.
std::vector<pid_t> live_started_process_groups();

}  // namespace testsupport
