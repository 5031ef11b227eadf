// sipp running one scenario (tests/integration/sipp/<name>.xml) for one call (-m 1), bound to
// 127.0.0.1:<free port>, with an overall timeout that counts as failure (-timeout_error).
#pragma once

#include "core/result.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace testsupport {

struct SippOptions {
    std::string scenario;                 // file name under tests/integration/sipp/
    std::string target;                   // "127.0.0.1:<port>"
    std::string service;                  // request-URI user part (-s), e.g. the room
    std::string transport = "u1";         // u1 (UDP) or t1 (TCP)
    std::vector<std::string> extra_args;  // e.g. {"-key", "digit", "5"}
    std::chrono::seconds timeout{30};
};

struct SippRun {
    int exit_code = -1;    // 0: all calls succeeded; 1: some failed; others: sipp error
    std::string log;       // stdout/stderr
    std::string messages;  // -trace_msg: every message sent and received
    std::string errors;    // -trace_err
};

core::Result<SippRun> run_sipp(const std::filesystem::path& dir, const SippOptions& options);

std::filesystem::path sipp_scenario_dir();

}  // namespace testsupport
