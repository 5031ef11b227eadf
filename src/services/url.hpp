// URL pieces the adapters build (RFC 3986 percent-encoding, origins).
#pragma once

#include <string>
#include <string_view>

namespace services {

// Percent-encodes every byte but ASCII letters, digits and `safe`; a space becomes '+' when
// space_as_plus (HTML form encoding).
std::string percent_encode(std::string_view in, std::string_view safe, bool space_as_plus);
// Encodes everything but unreserved characters (A-Z a-z 0-9 - . _ ~).
std::string url_encode(std::string_view in);
// "https://host:port/path?x" → "https://host:port"; empty when not an http(s) URL.
std::string url_origin(std::string_view url);

}  // namespace services
