#include "api/http_server.hpp"
#include "api/http_request_reader.hpp"
#include "core/text.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace api {

namespace {

std::string peer_ip(const struct sa* peer) {
    char buf[64] = {};
    sa_ntop(peer, buf, sizeof(buf));
    return buf;
}

std::string serialize(const HttpResponse& r, bool close) {
    std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " +
                      std::string(reason_phrase(r.status)) + "\r\n";
    out += "Content-Type: " + r.content_type + "\r\n";
    out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    out += "Cache-Control: no-store\r\n";
    if (close) out += "Connection: close\r\n";
    for (const auto& [k, v] : r.headers) out += k + ": " + v + "\r\n";
    out += "\r\n";
    out += r.body;
    return out;
}

}  // namespace

class HttpServer::Connection {
public:
    Connection(HttpServer& server, std::string ip, std::string peer)
        : server_(server), ip_(std::move(ip)), peer_(std::move(peer)) {}
    ~Connection() = default;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    int accept(struct tcp_sock* ts) {
        struct tcp_conn* raw = nullptr;
        const int err =
            tcp_accept(&raw, ts, nullptr, &Connection::on_recv, &Connection::on_close, this);
        tc_.reset(raw);
        if (err == 0) arm_idle();
        return err;
    }
    [[nodiscard]] const std::string& ip() const { return ip_; }
    // Closed by the server: ignore anything still arriving until it is freed.
    void retire() {
        closing_ = true;
        timer_.cancel();
    }

private:
    static void on_recv(struct mbuf* mb, void* arg) {
        auto* self = static_cast<Connection*>(arg);
        if (self->closing_) return;
        self->buf_.append(reinterpret_cast<const char*>(mbuf_buf(mb)), mbuf_get_left(mb));
        self->process();
    }
    static void on_close(int /*err*/, void* arg) {
        auto* self = static_cast<Connection*>(arg);
        self->server_.close(self);
    }

    void arm_idle() {
        in_request_ = false;
        timer_.start(server_.limits_.idle_timeout_ms, [this] { server_.close(this); });
    }

    void fail(int status, std::string_view message) {
        spdlog::info("api: closing a connection peer={} status={} ({})", peer_, status, message);
        respond(HttpResponse::error(status, "bad_request", message), true);
    }

    void respond(const HttpResponse& r, bool close) {
        const std::string bytes = serialize(r, close);
        if (struct mbuf* mb = mbuf_alloc(bytes.size())) {
            (void)mbuf_write_mem(mb, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
            mb->pos = 0;
            (void)tcp_send(tc_.get(), mb);
            mem_deref(mb);
        }
        if (close) {
            // Let the answer drain; the client closes on "Connection: close", or the timer does.
            closing_ = true;
            buf_.clear();
            timer_.start(2000, [this] { server_.close(this); });
        } else {
            arm_idle();
        }
    }

    void process() {
        while (!closing_ && !buf_.empty()) {
            if (!in_request_) {
                in_request_ = true;
                timer_.start(server_.limits_.request_timeout_ms, [this] {
                    if (!closing_) fail(408, "the request took too long to arrive");
                });
            }
            const RequestRead read = read_http_request(buf_, server_.limits_, peer_);
            if (read.state == RequestRead::State::Incomplete) return;
            if (read.state == RequestRead::State::Fatal) {
                fail(read.status, read.message);
                return;
            }
            const HttpResponse resp = read.answer ? *read.answer : handle(read.request);
            buf_.erase(0, read.size);
            respond(resp, !read.keep_alive);
        }
    }

    HttpResponse handle(const HttpRequest& req) {
        HttpResponse resp;
        try {
            resp = server_.handler_ ? server_.handler_(req)
                                    : HttpResponse::error(503, "unavailable", "not ready");
        } catch (const std::exception& e) {
            // A handler bug must not take the control loop down with it.
            spdlog::error("api: handler failed method={} path=\"{}\" error=\"{}\"",
                          core::log_field(req.method), core::log_field(req.path),
                          core::log_field(e.what()));
            resp = HttpResponse::error(500, "internal", "internal error; see the gateway log");
        }
        spdlog::debug("api: {} \"{}\" -> {} peer={}", core::log_field(req.method),
                      core::log_field(req.path), resp.status, req.peer);
        return resp;
    }

    HttpServer& server_;
    std::string ip_;
    std::string peer_;
    core::ReHandle<struct tcp_conn> tc_;
    core::Timer timer_;
    std::string buf_;
    bool in_request_ = false;
    bool closing_ = false;
};

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

HttpServer::HttpServer(HttpLimits limits) : limits_(limits) {}

HttpServer::~HttpServer() {
    connections_.clear();
    closed_.clear();
}

core::Status HttpServer::listen(const std::string& address, RequestHandler handler) {
    struct sa laddr {};
    if (auto st = parse_host_port(address, laddr); !st) return st;
    handler_ = std::move(handler);
    struct tcp_sock* raw = nullptr;
    const int err = tcp_listen(&raw, &laddr, &HttpServer::on_connect, this);
    if (err != 0)
        return core::fail("cannot listen for HTTP on " + address + ": " + std::strerror(err));
    sock_.reset(raw);
    return core::Ok{};
}

std::string HttpServer::local_address() const {
    if (!sock_) return {};
    struct sa laddr {};
    if (tcp_sock_local_get(sock_.get(), &laddr) != 0) return {};
    char buf[64] = {};
    sa_ntop(&laddr, buf, sizeof(buf));
    return (sa_af(&laddr) == AF_INET6 ? "[" + std::string(buf) + "]" : std::string(buf)) + ":" +
           std::to_string(sa_port(&laddr));
}

void HttpServer::on_connect(const struct sa* peer, void* arg) {
    auto* self = static_cast<HttpServer*>(arg);
    const std::string ip = peer_ip(peer);
    const std::string who = ip + ":" + std::to_string(sa_port(peer));
    size_t& from_peer = self->per_peer_[ip];
    if (self->connections_.size() >= self->limits_.max_connections ||
        from_peer >= self->limits_.max_connections_per_peer) {
        // One line for the first refusal and then every 1000th: a flood must not flood the log.
        if (self->refused_++ % 1000 == 0) {
            spdlog::warn("api: refused a connection peer={} open={} from_peer={} refused_total={}",
                         who, self->connections_.size(), from_peer, self->refused_);
        }
        if (from_peer == 0) self->per_peer_.erase(ip);
        tcp_reject(self->sock_.get());
        return;
    }
    auto conn = std::make_unique<Connection>(*self, ip, who);
    if (conn->accept(self->sock_.get()) != 0) {
        if (from_peer == 0) self->per_peer_.erase(ip);
        return;
    }
    ++from_peer;
    self->connections_.push_back(std::move(conn));
}

void HttpServer::close(Connection* conn) {
    const auto it = std::find_if(connections_.begin(), connections_.end(),
                                 [conn](const auto& c) { return c.get() == conn; });
    if (it == connections_.end()) return;
    if (auto p = per_peer_.find(conn->ip()); p != per_peer_.end() && --p->second == 0)
        per_peer_.erase(p);
    conn->retire();
    // Called from the connection's own socket or timer callback: free it on the next turn.
    closed_.splice(closed_.end(), connections_, it);
    reaper_.start(0, [this] { reap(); });
}

void HttpServer::reap() {
    closed_.clear();
}

}  // namespace api
