// What every fuzz target shares: log lines are formatted (log_field and friends run on fuzzed
// text) but go nowhere, and checks that stop the run with a message libFuzzer reports.
#pragma once

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace fuzz {

inline void quiet_logs() {
    auto logger =
        std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>());
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(std::move(logger));
}

// A property of the code under test that the input broke: abort, so libFuzzer keeps the input.
[[noreturn]] inline void violated(const char* what) {
    std::fprintf(stderr, "fuzz: property violated: %s\n", what);
    std::abort();
}

inline void require(bool ok, const char* what) {
    if (!ok) violated(what);
}

}  // namespace fuzz
