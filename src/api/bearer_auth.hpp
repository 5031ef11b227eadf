// "Authorization: Bearer <token>" check for the HTTP API.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace api {

enum class AuthResult { Ok, Missing, Malformed, Wrong };

// With an empty configured token every request passes. The comparison takes the same time
// whatever the first differing byte, so the token cannot be guessed byte by byte.
AuthResult check_bearer(std::string_view configured_token,
                        const std::optional<std::string>& authorization_header);

bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace api
