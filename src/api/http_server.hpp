// The HTTP listener on libre's server (runs on the control thread).
#pragma once

#include "api/http_message.hpp"
#include "core/re_handle.hpp"
#include "core/result.hpp"

#include <functional>
#include <string>

namespace api {

class HttpServer {
public:
    using RequestHandler = std::function<HttpResponse(const HttpRequest&)>;

    HttpServer() = default;
    ~HttpServer() = default;
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // address "host:port" (port 0 picks a free one).
    core::Status listen(const std::string& address, RequestHandler handler);
    [[nodiscard]] std::string local_address() const;

private:
    static void on_request(struct http_conn* conn, const struct http_msg* msg, void* arg);
    core::ReHandle<struct http_sock> sock_;
    RequestHandler handler_;
};

// "host:port" / "[v6]:port" → sa
core::Status parse_host_port(const std::string& text, struct sa& out);

}  // namespace api
