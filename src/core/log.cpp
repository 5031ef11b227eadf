#include "core/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

#include <unistd.h>

namespace core {

bool valid_log_level(std::string_view level) {
    return level == "trace" || level == "debug" || level == "info" || level == "warn" ||
           level == "error";
}

bool log_init(std::string_view level, bool with_timestamps) {
    if (!valid_log_level(level)) return false;
    static bool created = false;
    if (!created) {
        auto logger = std::make_shared<spdlog::logger>(
            "sipmediagw", std::make_shared<spdlog::sinks::stderr_sink_mt>());
        spdlog::set_default_logger(logger);
        created = true;
    }
    // Under systemd the journal stamps each line; elsewhere a timestamp helps.
    const bool journald = getenv("JOURNAL_STREAM") != nullptr;
    spdlog::set_pattern(with_timestamps && !journald ? "%Y-%m-%dT%H:%M:%S.%e %l %v" : "%l %v");
    spdlog::set_level(spdlog::level::from_str(std::string(level)));
    spdlog::flush_on(spdlog::level::trace);
    return true;
}

}  // namespace core
