// Cuts one HTTP/1.1 request off the front of a connection's bytes and decodes it into an
// HttpRequest: the listener's framing and URL rules without its sockets, so the fuzz target
// (tests/fuzz/fuzz_http_request.cpp) runs the same code a client reaches.
#pragma once

#include "api/http_message.hpp"
#include "api/http_server.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace api {

struct RequestRead {
    enum class State {
        Incomplete,  // wait for more bytes
        Ready,       // request (or answer) holds what to do with the next `size` bytes
        Fatal,       // answer `status` with `message` and close the connection
    };
    State state = State::Incomplete;
    HttpRequest request;
    // A request whose URL is refused (malformed escape, not UTF-8 text): answer this instead of
    // routing it; the connection goes on.
    std::optional<HttpResponse> answer;
    size_t size = 0;  // bytes of head and body this request took
    bool keep_alive = false;
    int status = 0;
    std::string message;
};

// peer ("addr:port") goes into the request and into log lines.
RequestRead read_http_request(std::string_view bytes, const HttpLimits& limits,
                              const std::string& peer);

}  // namespace api
