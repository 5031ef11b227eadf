#include "support/program.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <cerrno>
#include <iostream>
#include <mutex>
#include <thread>

namespace testsupport {
namespace {

std::mutex g_pids_mutex;
std::vector<pid_t>& started_groups() {
    static std::vector<pid_t> groups;
    return groups;
}

void remember_group(pid_t pgid) {
    std::lock_guard lock(g_pids_mutex);
    started_groups().push_back(pgid);
}

}  // namespace

core::Result<Program> Program::start(std::string name, std::vector<std::string> argv,
                                     const std::filesystem::path& log_dir,
                                     std::vector<std::string> env_extra) {
    Program p;
    p.name_ = std::move(name);
    p.log_ = log_dir / (p.name_ + ".log");
    core::SpawnOptions opts;
    opts.env_extra = std::move(env_extra);
    // One file for both streams (O_APPEND keeps their lines whole and in order).
    opts.stdout_path = p.log_.string();
    opts.stderr_path = p.log_.string();
    auto child = core::ChildProcess::spawn(argv, opts);
    if (!child) return child.error();
    p.child_ = std::move(child.value());
    remember_group(p.child_.pid());
    return p;
}

Program& Program::operator=(Program&& other) noexcept {
    if (this != &other) {
        if (child_.pid() > 0) stop();
        name_ = std::move(other.name_);
        log_ = std::move(other.log_);
        child_ = std::move(other.child_);
    }
    return *this;
}

Program::~Program() {
    if (child_.pid() <= 0) return;
    if (::testing::Test::HasFailure()) dump_tail();
    stop();
}

std::string Program::log() const {
    return read_file(log_);
}

std::size_t Program::log_size() const {
    std::error_code ec;
    const auto size = std::filesystem::file_size(log_, ec);
    return ec ? 0 : static_cast<std::size_t>(size);
}

std::string Program::tail(std::size_t lines) const {
    const std::string text = log();
    std::size_t pos = text.size();
    for (std::size_t n = 0; n <= lines && pos > 0; ++n) {
        const auto nl = text.rfind('\n', pos - 1);
        if (nl == std::string::npos) {
            pos = 0;
            break;
        }
        pos = nl;
        if (n == lines) ++pos;
    }
    return text.substr(pos);
}

bool Program::log_contains(const std::regex& re, std::size_t from) const {
    const std::string text = log();
    if (from >= text.size()) return false;
    return std::regex_search(text.begin() + static_cast<std::ptrdiff_t>(from), text.end(), re);
}

bool Program::wait_for_log(const std::regex& re, std::chrono::milliseconds timeout,
                           std::size_t from) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (log_contains(re, from)) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

std::optional<int> Program::exit_code() const {
    const auto st = child_.exit_status();
    if (!st || !WIFEXITED(*st)) return std::nullopt;
    return WEXITSTATUS(*st);
}

int Program::stop(std::chrono::milliseconds grace) {
    return child_.terminate(grace);
}

void Program::dump_tail(std::size_t lines) const {
    std::cerr << "----- " << name_ << " (" << log_.string() << "), last lines -----\n"
              << tail(lines) << "----- end of " << name_ << " -----\n";
}

core::Result<CommandOutput> run_command(const std::vector<std::string>& argv,
                                        const std::filesystem::path& scratch_dir,
                                        std::chrono::milliseconds timeout) {
    static std::atomic<int> counter{0};
    const auto out_path = scratch_dir / ("cmd-" + std::to_string(++counter) + ".out");
    core::SpawnOptions opts;
    opts.stdout_path = out_path.string();
    opts.stderr_path = out_path.string();
    auto child = core::ChildProcess::spawn(argv, opts);
    if (!child) return child.error();
    if (!child->wait_for(timeout)) {
        child->terminate();
        std::filesystem::remove(out_path);
        return core::fail(argv[0] + " did not finish in time");
    }
    CommandOutput result;
    const auto st = child->exit_status();
    result.exit_code = (st && WIFEXITED(*st)) ? WEXITSTATUS(*st) : -1;
    result.output = read_file(out_path);
    std::filesystem::remove(out_path);
    return result;
}

std::vector<pid_t> live_started_process_groups() {
    std::lock_guard lock(g_pids_mutex);
    std::vector<pid_t> live;
    for (pid_t g : started_groups()) {
        // kill(-pgid, 0) succeeds while any member of the group exists (zombies excluded once
        // reaped; ChildProcess reaps the leader).
        if (::kill(-g, 0) == 0 || errno == EPERM) live.push_back(g);
    }
    return live;
}

}  // namespace testsupport
