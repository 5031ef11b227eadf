#include "core/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace core {

ChildProcess::~ChildProcess() {
    if (pid_ > 0 && !status_) terminate();
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), status_(std::exchange(other.status_, std::nullopt)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
    if (this != &other) {
        if (pid_ > 0 && !status_) terminate();
        pid_ = std::exchange(other.pid_, -1);
        status_ = std::exchange(other.status_, std::nullopt);
    }
    return *this;
}

Result<ChildProcess> ChildProcess::spawn(const std::vector<std::string>& argv,
                                         const SpawnOptions& options) {
    if (argv.empty()) return fail("spawn: empty command line");

    std::vector<std::string> env_store;
    for (char** e = environ; *e != nullptr; ++e) env_store.emplace_back(*e);
    for (const auto& kv : options.env_extra) env_store.push_back(kv);
    std::vector<char*> envp;
    envp.reserve(env_store.size() + 1);
    for (auto& s : env_store) envp.push_back(s.data());
    envp.push_back(nullptr);

    std::vector<std::string> argv_store(argv);
    std::vector<char*> args;
    args.reserve(argv_store.size() + 1);
    for (auto& s : argv_store) args.push_back(s.data());
    args.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // Own process group: terminate() reaches the child's own children too.
    posix_spawnattr_setpgroup(&attr, 0);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    sigset_t nomask;
    sigemptyset(&nomask);
    posix_spawnattr_setsigmask(&attr, &nomask);
    posix_spawnattr_setflags(
        &attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    if (!options.stdout_path.empty())
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, options.stdout_path.c_str(),
                                         O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (!options.stderr_path.empty())
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, options.stderr_path.c_str(),
                                         O_WRONLY | O_CREAT | O_APPEND, 0644);
    for (const auto& [child_fd, parent_fd] : options.fd_map)
        posix_spawn_file_actions_adddup2(&actions, parent_fd, child_fd);
    if (!options.working_dir.empty())
        posix_spawn_file_actions_addchdir_np(&actions, options.working_dir.c_str());

    pid_t pid = -1;
    const int err = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (err != 0) return fail("cannot start " + argv[0] + ": " + std::strerror(err));

    ChildProcess child;
    child.pid_ = pid;
    return child;
}

bool ChildProcess::running() {
    if (pid_ <= 0 || status_) return false;
    int st = 0;
    const pid_t r = waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
        status_ = st;
        return false;
    }
    return r == 0;
}

void ChildProcess::signal(int sig) const {
    if (pid_ <= 0 || status_) return;
    // The group may already be gone while the leader is a zombie; then signal the leader.
    if (::kill(-pid_, sig) != 0) ::kill(pid_, sig);
}

bool ChildProcess::wait_for(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

int ChildProcess::terminate(std::chrono::milliseconds grace) {
    if (pid_ <= 0) return -1;
    if (!status_) {
        signal(SIGTERM);
        if (!wait_for(grace)) {
            signal(SIGKILL);
            int st = 0;
            if (waitpid(pid_, &st, 0) == pid_) status_ = st;
        }
    }
    // Helpers the child forked may outlive it in its group; they are ours too.
    ::kill(-pid_, SIGKILL);
    return status_.value_or(-1);
}

}  // namespace core
