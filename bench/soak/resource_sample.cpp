#include "resource_sample.hpp"

#include "process_tree.hpp"

#include <filesystem>
#include <fstream>
#include <set>

namespace bench {

namespace {

uint64_t count_fds(pid_t pid) {
    std::error_code ec;
    uint64_t n = 0;
    for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end;
         !ec && it != end; it.increment(ec))
        ++n;
    return n;
}

uint64_t count_threads(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string key;
    while (status >> key) {
        if (key == "Threads:") {
            uint64_t n = 0;
            status >> n;
            return n;
        }
        status.ignore(4096, '\n');
    }
    return 0;
}

double anonymous_mib(pid_t pid) {
    std::ifstream smaps("/proc/" + std::to_string(pid) + "/smaps_rollup");
    std::string key;
    uint64_t kib = 0;
    while (smaps >> key) {
        if (key == "Anonymous:") {
            uint64_t v = 0;
            smaps >> v;
            kib += v;
        }
        smaps.ignore(4096, '\n');
    }
    return static_cast<double>(kib) / 1024.0;
}

}  // namespace

ResourceSample sample_process(pid_t pid, const std::string& except_comm) {
    ResourceSample s;
    const Memory mem = memory_of({pid});
    s.rss_mib = static_cast<double>(mem.rss_kib) / 1024.0;
    s.pss_mib = static_cast<double>(mem.pss_kib) / 1024.0;
    s.anon_mib = anonymous_mib(pid);
    s.fds = count_fds(pid);
    s.threads = count_threads(pid);
    const ProcessTable table = snapshot_processes();
    const std::set<pid_t> tree = descendants(table, pid);
    const std::set<pid_t> excluded = subtrees_named(table, tree, except_comm);
    s.children = tree.size() - excluded.size() - (tree.contains(pid) ? 1 : 0);
    return s;
}

nlohmann::json to_json(const ResourceSample& s) {
    return {{"call", s.call},         {"rss_mib", s.rss_mib}, {"pss_mib", s.pss_mib},
            {"anon_mib", s.anon_mib}, {"fds", s.fds},         {"threads", s.threads},
            {"children", s.children}};
}

}  // namespace bench
