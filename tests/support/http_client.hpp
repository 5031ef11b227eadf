// A minimal HTTP/1.1 client for API tests: one request per connection to 127.0.0.1.
#pragma once

#include "core/result.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace testsupport {

struct HttpReply {
    int status = 0;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
};

// `headers` are raw lines ("Authorization: Bearer x\r\n"...).
core::Result<HttpReply> http_request(uint16_t port, const std::string& method,
                                     const std::string& target, const std::string& body = {},
                                     const std::string& headers = {},
                                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace testsupport
