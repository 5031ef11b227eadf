// URL pieces the adapters build (RFC 3986 percent-encoding, origins).
#pragma once

#include <string>
#include <string_view>

namespace services {

// Encodes everything but unreserved characters (A-Z a-z 0-9 - . _ ~).
std::string url_encode(std::string_view in);
// "https://host:port/path?x" → "https://host:port"; empty when not an http(s) URL.
std::string url_origin(std::string_view url);
// Lower-case hex SHA-1 (BigBlueButton checksums).
std::string sha1_hex(std::string_view data);

}  // namespace services
