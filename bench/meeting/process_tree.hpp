// Snapshots of /proc for the meeting benchmark: who descends from whom, CPU time (utime+stime)
// per process, and the memory (RSS, PSS) of a set of processes. CPU over a window is the
// difference of two snapshots; a process born inside the window counts from zero, one that died
// inside it is lost (the window is steady, so neither should happen).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

namespace bench {

struct ProcessInfo {
    pid_t ppid = 0;
    std::string comm;
    uint64_t start_ticks = 0;  // tells a reused PID from the process seen before
    uint64_t cpu_ticks = 0;    // utime + stime
};

using ProcessTable = std::map<pid_t, ProcessInfo>;

ProcessTable snapshot_processes();

// The threads of some processes (/proc/<pid>/task/<tid>/stat): comm is the thread's name
// (CrRendererMain, WebRTC_Worker, ...; at most 15 characters), ppid unused.
struct ThreadInfo {
    pid_t pid = 0;  // the process it belongs to
    ProcessInfo info;
};
using ThreadTable = std::map<pid_t, ThreadInfo>;  // by thread id
ThreadTable snapshot_threads(const std::set<pid_t>& pids);

// CPU seconds between two snapshots per (process, thread name), threads of one name summed (a
// pool's workers share theirs). A thread born inside the window counts from zero.
std::map<std::pair<pid_t, std::string>, double> thread_cpu_seconds(const ThreadTable& before,
                                                                   const ThreadTable& after);

// root and every process below it (at the time of the snapshot).
std::set<pid_t> descendants(const ProcessTable& table, pid_t root);
std::set<pid_t> descendants(const ProcessTable& table, const std::set<pid_t>& roots);

// The processes of `pids` named `comm` (exactly) and everything below them.
std::set<pid_t> subtrees_named(const ProcessTable& table, const std::set<pid_t>& pids,
                               const std::string& comm);

// CPU seconds the processes `pids` (as found in `after`) used between the two snapshots.
double cpu_seconds(const ProcessTable& before, const ProcessTable& after,
                   const std::set<pid_t>& pids);

struct Memory {
    uint64_t rss_kib = 0;       // counts shared pages once per process: an upper bound
    uint64_t pss_kib = 0;       // shared pages split between their users: the fair share
    uint64_t pss_anon_kib = 0;  // the part of PSS that is heap and stacks, not mapped files
    // Shared memory (memfd, /dev/shm): in Chromium mostly video frames and canvases passed
    // between the renderer, the GPU process and the media stack.
    uint64_t pss_shmem_kib = 0;
};
Memory memory_of(const std::set<pid_t>& pids);

// What a Chromium process is, from its command line: "browser" (no --type), "renderer",
// "zygote", "gpu-process", "utility:<service>" (network, storage, audio, ...), etc.
std::string chromium_role(pid_t pid);

// Busy and total ticks of the whole host (/proc/stat), to show how loaded the machine was.
struct HostTicks {
    uint64_t busy = 0;
    uint64_t total = 0;
};
HostTicks host_ticks();

double ticks_per_second();

}  // namespace bench
