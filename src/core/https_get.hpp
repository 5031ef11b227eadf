// One GET over https on a TLS connection this process opens itself, verified during the
// handshake: a peer that fails verification never receives a byte of the request. libre 1.1.0's
// HTTP client starts its TLS connections with SSL_VERIFY_NONE and writes the request as soon as
// the handshake ends, whatever the certificate (http_client_set_tls_hostname stores nothing, and
// its connection handler runs only after the answer), so a refused peer had already read the URL
// (the dialled number, a BigBlueButton query with its checksum) when its answer was dropped.
// HTTP/1.0 with Connection: close, so the answer is never chunked and ends with the connection.
#pragma once

#include "core/control_loop.hpp"
#include "core/re_handle.hpp"
#include "core/result.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

struct dnsc;
struct dns_query;
struct tcp_conn;
struct tls;
struct tls_conn;
struct mbuf;

namespace core {

struct HttpAnswer;

class HttpsGet {
public:
    using Done = std::function<void(const HttpAnswer&)>;

    // `tls` carries the trust (CA bundle, verify mode) and is shared by one caller's requests;
    // `headers` are extra lines, each ending in "\r\n". `done` runs once, from the loop (never
    // from inside start()), and may destroy this object.
    static Result<std::unique_ptr<HttpsGet>> start(struct dnsc* dnsc, struct tls* tls, bool verify,
                                                   const std::string& url,
                                                   const std::string& headers, Done done);
    ~HttpsGet();
    HttpsGet(const HttpsGet&) = delete;
    HttpsGet& operator=(const HttpsGet&) = delete;

    struct Key {  // only start() makes one (its address is libre's handler argument)
        explicit Key() = default;
    };
    HttpsGet(Key, struct tls* tls, bool verify, Done done);

private:
    static void on_dns(int err, const struct dnshdr* hdr, struct list* ansl, struct list* authl,
                       struct list* addl, void* arg);
    static void on_established(void* arg);
    static void on_receive(struct mbuf* mb, void* arg);
    static void on_closed(int err, void* arg);
    Status connect(const struct sa& addr);
    void answer_if_complete(bool closed);
    void complete(HttpAnswer answer);

    struct tls* tls_;
    bool verify_;
    Done done_;
    std::string host_;
    uint16_t port_ = 443;
    std::string request_;
    bool ipv6_tried_ = false;
    bool established_ = false;
    bool completed_ = false;
    std::string received_;
    ReHandle<struct dns_query> query_;
    ReHandle<struct tls_conn> tls_conn_;
    ReHandle<struct tcp_conn> tcp_;
    Timer report_;
    struct dnsc* dnsc_ = nullptr;
};

}  // namespace core
