// A per-room Jitsi token from an operator's token service ([service] token_url): the request
// URL for a room, and the token read from the service's answer.
#pragma once

#include "core/http_fetch.hpp"
#include "core/result.hpp"

#include <string>
#include <string_view>

namespace services {

// `url_template` with every "{room}" replaced by the percent-encoded room name.
std::string jitsi_token_url(std::string_view url_template, std::string_view room);

// The token in a token service's answer: a JSON object with a string member "token" (or
// "jwt"), or a plain-text body that is the token itself. Anything else (no answer, a non-2xx
// status, an empty body, JSON without the member, text that is not a JWT) is an error whose
// message says which.
core::Result<std::string> jitsi_token_from_answer(const core::HttpAnswer& answer);

}  // namespace services
