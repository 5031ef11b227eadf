#include "api/http_server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace api {

namespace {

std::string to_string(const struct pl& p) {
    return p.p != nullptr ? std::string(p.p, p.l) : "";
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

void send(struct http_conn* conn, const HttpResponse& r) {
    std::string head = "Content-Type: " + r.content_type + "\r\n";
    head += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    head += "Cache-Control: no-store\r\n";
    for (const auto& [k, v] : r.headers) head += k + ": " + v + "\r\n";
    head += "\r\n";
    const std::string reason(reason_phrase(r.status));
    http_reply(conn, static_cast<uint16_t>(r.status), reason.c_str(), "%s%b", head.c_str(),
               r.body.data(), r.body.size());
}

}  // namespace

core::Status parse_host_port(const std::string& text, struct sa& out) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) return core::fail("expected host:port");
    std::string host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    const std::string port = text.substr(colon + 1);
    char* end = nullptr;
    const long p = std::strtol(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || p < 0 || p > 65535) return core::fail("bad port");
    if (sa_set_str(&out, host.c_str(), static_cast<uint16_t>(p)) != 0)
        return core::fail("bad address '" + host + "'");
    return core::Ok{};
}

core::Status HttpServer::listen(const std::string& address, RequestHandler handler) {
    struct sa laddr {};
    if (auto st = parse_host_port(address, laddr); !st) return st;
    handler_ = std::move(handler);
    struct http_sock* raw = nullptr;
    const int err = http_listen(&raw, &laddr, &HttpServer::on_request, this);
    if (err != 0)
        return core::fail("cannot listen for HTTP on " + address + ": " + std::strerror(err));
    sock_.reset(raw);
    return core::Ok{};
}

std::string HttpServer::local_address() const {
    if (!sock_) return {};
    struct sa laddr {};
    if (tcp_sock_local_get(http_sock_tcp(sock_.get()), &laddr) != 0) return {};
    char buf[64] = {};
    sa_ntop(&laddr, buf, sizeof(buf));
    return (sa_af(&laddr) == AF_INET6 ? "[" + std::string(buf) + "]" : std::string(buf)) + ":" +
           std::to_string(sa_port(&laddr));
}

void HttpServer::on_request(struct http_conn* conn, const struct http_msg* msg, void* arg) {
    auto* self = static_cast<HttpServer*>(arg);
    HttpRequest req;
    req.method = to_string(msg->met);
    const auto path = url_decode(to_string(msg->path));
    std::string prm = to_string(msg->prm);
    if (!prm.empty() && prm.front() == '?') prm.erase(0, 1);
    auto query = parse_query(prm);
    char peer[64] = {};
    if (const struct sa* p = http_conn_peer(conn)) {
        sa_ntop(p, peer, sizeof(peer));
        req.peer = std::string(peer) + ":" + std::to_string(sa_port(p));
    }
    if (!path || !query) {
        send(conn, HttpResponse::error(400, "bad_request", "malformed %-escape in the URL"));
        return;
    }
    req.path = *path;
    req.query = std::move(*query);
    for (struct le* le = list_head(&msg->hdrl); le != nullptr; le = le->next) {
        const auto* hdr = static_cast<const struct http_hdr*>(le->data);
        req.headers[lower(to_string(hdr->name))] = to_string(hdr->val);
    }
    if (msg->mb != nullptr && mbuf_get_left(msg->mb) > 0)
        req.body.assign(reinterpret_cast<const char*>(mbuf_buf(msg->mb)), mbuf_get_left(msg->mb));

    HttpResponse resp;
    try {
        resp = self->handler_ ? self->handler_(req)
                              : HttpResponse::error(503, "unavailable", "not ready");
    } catch (const std::exception& e) {
        // A handler bug must not take the control loop down with it.
        spdlog::error("api: handler failed method={} path={} error=\"{}\"", req.method, req.path,
                      e.what());
        resp = HttpResponse::error(500, "internal", "internal error; see the gateway log");
    }
    spdlog::debug("api: {} {} -> {} peer={}", req.method, req.path, resp.status, req.peer);
    send(conn, resp);
}

}  // namespace api
