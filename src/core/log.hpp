// Logging: one event a line on stderr (journald adds its own timestamps when run as a unit).
// Convention for lines users grep (docs/logging.md): "<component>: <event> key=value ...",
// with "sess=<id>" on every line about a call.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace core {

// Accepts trace|debug|info|warn|error; returns false for anything else.
bool log_init(std::string_view level, bool with_timestamps = true);
bool valid_log_level(std::string_view level);

}  // namespace core
