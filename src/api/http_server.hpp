// The HTTP listener (runs on the control thread), on libre's TCP sockets rather than its HTTP
// server: that one keeps any number of connections, each up to 600 s idle with 512 KiB
// buffered (finding 6 of the 2026-12 review). Here every connection and every byte is bounded
// (HttpLimits), and requests are parsed with libre's http_msg_decode.
#pragma once

#include "api/http_message.hpp"
#include "core/control_loop.hpp"
#include "core/re_handle.hpp"
#include "core/result.hpp"

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>

namespace api {

struct HttpLimits {
    size_t max_connections = 64;           // open at once; more are refused (RST)
    size_t max_connections_per_peer = 16;  // from one IP address
    uint64_t request_timeout_ms = 10'000;  // first byte of a request → its last body byte
    uint64_t idle_timeout_ms = 15'000;  // connect or a response → the next request's first byte
    size_t max_head_bytes = 16384;      // request line and headers (431 beyond)
    size_t max_body_bytes = 65536;      // Content-Length (413 beyond); API bodies are tiny
};

class HttpServer {
public:
    using RequestHandler = std::function<HttpResponse(const HttpRequest&)>;

    explicit HttpServer(HttpLimits limits = {});
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // address "host:port" (port 0 picks a free one).
    core::Status listen(const std::string& address, RequestHandler handler);
    [[nodiscard]] std::string local_address() const;
    [[nodiscard]] size_t connections() const { return connections_.size(); }
    [[nodiscard]] uint64_t refused_connections() const { return refused_; }

private:
    class Connection;
    static void on_connect(const struct sa* peer, void* arg);
    void close(Connection* conn);
    void reap();

    HttpLimits limits_;
    core::ReHandle<struct tcp_sock> sock_;
    RequestHandler handler_;
    std::list<std::unique_ptr<Connection>> connections_;
    std::list<std::unique_ptr<Connection>> closed_;  // freed outside their own libre callbacks
    std::map<std::string, size_t> per_peer_;
    core::Timer reaper_;
    uint64_t refused_ = 0;
};

// "host:port" / "[v6]:port" → sa
core::Status parse_host_port(const std::string& text, struct sa& out);

}  // namespace api
