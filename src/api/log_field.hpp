// Request data in log lines: one event a line (docs/logging.md), whatever a client sends.
#pragma once

#include <string>
#include <string_view>

namespace api {

// Control characters and bytes that are not valid UTF-8 become \n, \r, \t or \xNN, so a decoded
// "%0A" in a path cannot start a forged log line; longer fields are cut at max_bytes.
std::string log_field(std::string_view text, size_t max_bytes = 512);

bool valid_utf8(std::string_view text);

}  // namespace api
