// What one process holds at a moment, read from /proc: the figures the soak bench follows from
// call to call (memory, open fds, threads, the child processes below it).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace bench {

struct ResourceSample {
    uint64_t call = 0;  // calls completed when sampled
    double rss_mib = 0;
    double pss_mib = 0;
    // Private_Clean + Private_Dirty: pages no other process maps. RSS counts the shared
    // libraries too, and PSS moves whenever another process maps them (another gateway, a
    // browser exiting), so this is the figure that shows what the process itself keeps.
    double uss_mib = 0;
    uint64_t fds = 0;
    uint64_t threads = 0;
    // Processes below it, leaving out the subtree of any child named `except_comm` (the demo's
    // Janus, which is the meeting's and not the gateway's).
    uint64_t children = 0;
};

ResourceSample sample_process(pid_t pid, const std::string& except_comm);

nlohmann::json to_json(const ResourceSample& s);

}  // namespace bench
