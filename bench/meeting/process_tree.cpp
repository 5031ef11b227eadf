#include "process_tree.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

namespace bench {

namespace {

// One /proc/.../stat line: false when the task exited meanwhile or the line is malformed.
bool read_stat(const std::filesystem::path& stat_file, ProcessInfo& info) {
    std::ifstream stat(stat_file);
    std::string line;
    if (!std::getline(stat, line)) return false;
    const auto open = line.find('(');
    const auto close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) return false;
    info.comm = line.substr(open + 1, close - open - 1);
    // The command name may hold spaces and parentheses: fields resume after the last ')'.
    std::istringstream rest(line.substr(close + 2));
    std::vector<std::string> fields;  // fields[0] is field 3 (state)
    std::string f;
    while (rest >> f && fields.size() < 20) fields.push_back(f);
    if (fields.size() < 20) return false;
    info.ppid = static_cast<pid_t>(std::stol(fields[1]));                // field 4
    info.cpu_ticks = std::stoull(fields[11]) + std::stoull(fields[12]);  // fields 14, 15
    info.start_ticks = std::stoull(fields[19]);                          // field 22
    return true;
}

bool numeric(const std::string& name) {
    return !name.empty() && name.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

ProcessTable snapshot_processes() {
    ProcessTable table;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const std::string name = entry.path().filename();
        if (!numeric(name)) continue;
        ProcessInfo info;
        if (!read_stat(entry.path() / "stat", info)) continue;  // exited meanwhile
        table.emplace(static_cast<pid_t>(std::stol(name)), std::move(info));
    }
    return table;
}

ThreadTable snapshot_threads(const std::set<pid_t>& pids) {
    ThreadTable table;
    for (const pid_t pid : pids) {
        std::error_code ec;
        const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
        for (const auto& entry : std::filesystem::directory_iterator(tasks, ec)) {
            const std::string name = entry.path().filename();
            if (!numeric(name)) continue;
            ThreadInfo t;
            if (!read_stat(entry.path() / "stat", t.info)) continue;
            t.pid = pid;
            table.emplace(static_cast<pid_t>(std::stol(name)), std::move(t));
        }
    }
    return table;
}

std::map<std::pair<pid_t, std::string>, double> thread_cpu_seconds(const ThreadTable& before,
                                                                   const ThreadTable& after) {
    std::map<std::pair<pid_t, std::string>, double> out;
    for (const auto& [tid, a] : after) {
        uint64_t base = 0;
        auto b = before.find(tid);
        if (b != before.end() && b->second.info.start_ticks == a.info.start_ticks)
            base = b->second.info.cpu_ticks;
        if (a.info.cpu_ticks <= base) continue;
        out[{a.pid, a.info.comm}] +=
            static_cast<double>(a.info.cpu_ticks - base) / ticks_per_second();
    }
    return out;
}

std::set<pid_t> descendants(const ProcessTable& table, const std::set<pid_t>& roots) {
    std::set<pid_t> out;
    for (const pid_t r : roots)
        if (table.contains(r)) out.insert(r);
    // Parents may have larger PIDs than children after wrap-around: repeat until stable.
    for (bool grew = true; grew;) {
        grew = false;
        for (const auto& [pid, info] : table) {
            if (!out.contains(pid) && out.contains(info.ppid)) {
                out.insert(pid);
                grew = true;
            }
        }
    }
    return out;
}

std::set<pid_t> descendants(const ProcessTable& table, pid_t root) {
    return descendants(table, std::set<pid_t>{root});
}

std::set<pid_t> subtrees_named(const ProcessTable& table, const std::set<pid_t>& pids,
                               const std::string& comm) {
    std::set<pid_t> roots;
    for (const pid_t pid : pids) {
        auto it = table.find(pid);
        if (it != table.end() && it->second.comm == comm) roots.insert(pid);
    }
    return descendants(table, roots);
}

double cpu_seconds(const ProcessTable& before, const ProcessTable& after,
                   const std::set<pid_t>& pids) {
    uint64_t ticks = 0;
    for (const pid_t pid : pids) {
        auto a = after.find(pid);
        if (a == after.end()) continue;
        uint64_t base = 0;
        auto b = before.find(pid);
        if (b != before.end() && b->second.start_ticks == a->second.start_ticks)
            base = b->second.cpu_ticks;
        if (a->second.cpu_ticks > base) ticks += a->second.cpu_ticks - base;
    }
    return static_cast<double>(ticks) / ticks_per_second();
}

Memory memory_of(const std::set<pid_t>& pids) {
    Memory m;
    for (const pid_t pid : pids) {
        std::ifstream smaps("/proc/" + std::to_string(pid) + "/smaps_rollup");
        std::string key;
        while (smaps >> key) {
            uint64_t kib = 0;
            if (key == "Rss:") {
                smaps >> kib;
                m.rss_kib += kib;
            } else if (key == "Pss:") {
                smaps >> kib;
                m.pss_kib += kib;
            } else if (key == "Pss_Anon:") {
                smaps >> kib;
                m.pss_anon_kib += kib;
            } else if (key == "Pss_Shmem:") {
                smaps >> kib;
                m.pss_shmem_kib += kib;
            }
            smaps.ignore(4096, '\n');
        }
    }
    return m;
}

std::string chromium_role(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Chromium's helpers rewrite their command line as one space-separated string.
    std::ranges::replace(all, '\0', ' ');
    std::istringstream args(all);
    std::string arg;
    std::string type;
    std::string sub;
    while (args >> arg) {
        if (arg.rfind("--type=", 0) == 0) type = arg.substr(7);
        // "--utility-sub-type=network.mojom.NetworkService" → "network"
        if (arg.rfind("--utility-sub-type=", 0) == 0) sub = arg.substr(19, arg.find('.') - 19);
    }
    if (type.empty()) return "browser";
    if (type == "utility" && !sub.empty()) return "utility:" + sub;
    return type;
}

HostTicks host_ticks() {
    std::ifstream stat("/proc/stat");
    std::string cpu;
    stat >> cpu;  // the "cpu" line sums every core
    HostTicks t;
    // user nice system idle iowait irq softirq steal
    for (int i = 0; i < 8; ++i) {
        uint64_t v = 0;
        stat >> v;
        t.total += v;
        if (i != 3 && i != 4) t.busy += v;
    }
    return t;
}

double ticks_per_second() {
    return static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace bench
