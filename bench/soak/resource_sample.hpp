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
    // Anonymous pages (heap, stacks, anonymous mappings): what the process itself allocated.
    // RSS also counts its libraries' pages, and PSS and private (USS) figures move whenever
    // another process maps the same libraries (other gateways, a browser exiting): by ±12 MiB
    // here with nothing changing in the process.
    double anon_mib = 0;
    uint64_t fds = 0;
    uint64_t threads = 0;
    // Processes below it, leaving out the subtree of any child named `except_comm` (the demo's
    // Janus, which is the meeting's and not the gateway's).
    uint64_t children = 0;
};

ResourceSample sample_process(pid_t pid, const std::string& except_comm);

nlohmann::json to_json(const ResourceSample& s);

}  // namespace bench
