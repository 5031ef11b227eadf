// Checks on the processes a test started, by PID and process group, through /proc.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace browser_test {

// True while pid exists and is not a zombie.
inline bool process_alive(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return false;
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    if (close == std::string::npos || close + 2 >= line.size()) return false;
    return line[close + 2] != 'Z';
}

// Live processes whose process group is pgid (Chromium's renderers, zygotes, GPU process).
inline std::vector<pid_t> process_group_members(pid_t pgid) {
    std::vector<pid_t> out;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const std::string name = entry.path().filename();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream stat(entry.path() / "stat");
        std::string line;
        if (!std::getline(stat, line)) continue;
        const auto close = line.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream rest(line.substr(close + 2));
        char state = 0;
        long ppid = 0;
        long pgrp = 0;
        rest >> state >> ppid >> pgrp;
        if (pgrp == pgid && state != 'Z') out.push_back(static_cast<pid_t>(std::stol(name)));
    }
    return out;
}

// Live processes whose command line mentions text (e.g. a profile directory).
inline std::vector<pid_t> processes_mentioning(const std::string& text) {
    std::vector<pid_t> out;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const std::string name = entry.path().filename();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(entry.path() / "cmdline", std::ios::binary);
        std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (cmd.find(text) != std::string::npos && process_alive(std::stoi(name)))
            out.push_back(static_cast<pid_t>(std::stol(name)));
    }
    return out;
}

// Proportional set size of a process and all its descendants, in KiB (smaps_rollup).
inline uint64_t pss_kib_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
    std::string key;
    uint64_t value = 0;
    while (in >> key) {
        if (key == "Pss:") {
            in >> value;
            return value;
        }
        in.ignore(4096, '\n');
    }
    return 0;
}

// CPU seconds used so far by the processes of one process group (the test's Chromium).
inline double group_cpu_seconds(pid_t pgid) {
    double total = 0;
    for (const pid_t pid : process_group_members(pgid)) {
        std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
        std::string line;
        if (!std::getline(in, line)) continue;
        const auto close = line.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream fields(line.substr(close + 2));
        std::string f;
        unsigned long long ticks = 0;
        for (int i = 3; fields >> f && i <= 15; ++i)  // field 3 is the state
            if (i == 14 || i == 15) ticks += std::stoull(f);
        total += double(ticks) / double(sysconf(_SC_CLK_TCK));
    }
    return total;
}

}  // namespace browser_test
