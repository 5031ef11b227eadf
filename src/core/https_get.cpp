#include "core/https_get.hpp"

#include "core/http_fetch.hpp"
#include "core/libre.hpp"
#include "core/log.hpp"
#include "core/text.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <cstring>

namespace core {

namespace {

// The answers we wait for are small JSON or text; libre's own client stops at the same size.
constexpr size_t kMaxAnswer = size_t{512} * 1024;

struct HttpsUrl {
    std::string host;  // no brackets
    uint16_t port = 443;
    std::string target;  // path and query
};

Result<HttpsUrl> parse_https_url(const std::string& url) {
    if (url.rfind("https://", 0) != 0) return fail("not an https URL: " + url);
    const std::string rest = url.substr(8);
    const size_t end = rest.find_first_of("/?#");
    std::string authority = rest.substr(0, end);
    HttpsUrl out;
    out.target = end == std::string::npos ? "/" : rest.substr(end);
    out.target = out.target.substr(0, out.target.find('#'));
    if (out.target.empty() || out.target.front() != '/') out.target.insert(0, "/");
    if (const auto at = authority.rfind('@'); at != std::string::npos)
        authority = authority.substr(at + 1);
    std::string port;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string::npos) return fail("unclosed '[' in " + url);
        out.host = authority.substr(1, close - 1);
        if (close + 1 < authority.size() && authority[close + 1] == ':')
            port = authority.substr(close + 2);
    } else {
        const auto colon = authority.find(':');
        out.host = authority.substr(0, colon);
        if (colon != std::string::npos) port = authority.substr(colon + 1);
    }
    if (out.host.empty()) return fail("no host in " + url);
    if (!port.empty()) {
        char* stop = nullptr;
        const unsigned long v = std::strtoul(port.c_str(), &stop, 10);
        if (*stop != '\0' || v == 0 || v > 65535) return fail("bad port in " + url);
        out.port = static_cast<uint16_t>(v);
    }
    return out;
}

bool is_ip(const std::string& host) {
    unsigned char buf[16];
    return inet_pton(AF_INET, host.c_str(), buf) == 1 ||
           inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

HttpsGet::HttpsGet(Key, struct tls* tls, bool verify, Done done)
    : tls_(tls), verify_(verify), done_(std::move(done)) {}

HttpsGet::~HttpsGet() = default;

Result<std::unique_ptr<HttpsGet>> HttpsGet::start(struct dnsc* dnsc, struct tls* tls, bool verify,
                                                  const std::string& url,
                                                  const std::string& headers, Done done) {
    auto url_parts = parse_https_url(url);
    if (!url_parts) return url_parts.error();
    auto self = std::make_unique<HttpsGet>(Key{}, tls, verify, std::move(done));
    self->dnsc_ = dnsc;
    self->host_ = url_parts->host;
    self->port_ = url_parts->port;
    const bool v6 = self->host_.find(':') != std::string::npos;
    std::string host_header = v6 ? "[" + self->host_ + "]" : self->host_;
    if (self->port_ != 443) host_header += ":" + std::to_string(self->port_);
    self->request_ = "GET " + url_parts->target + " HTTP/1.0\r\nHost: " + host_header +
                     "\r\nConnection: close\r\n" + headers + "Content-Length: 0\r\n\r\n";
    if (is_ip(self->host_)) {
        struct sa addr {};
        if (sa_set_str(&addr, self->host_.c_str(), self->port_) != 0)
            return fail("bad address in " + url);
        if (auto st = self->connect(addr); !st) return st.error();
        return self;
    }
    if (dnsc == nullptr) return fail("no DNS client for " + self->host_);
    struct dns_query* q = nullptr;
    if (int err = dnsc_query(&q, dnsc, self->host_.c_str(), DNS_TYPE_A, DNS_CLASS_IN, true,
                             &HttpsGet::on_dns, self.get());
        err != 0)
        return fail("cannot resolve " + self->host_ + ": " + std::strerror(err));
    self->query_.reset(q);
    return self;
}

void HttpsGet::on_dns(int err, const struct dnshdr*, struct list* ansl, struct list*, struct list*,
                      void* arg) {
    auto* self = static_cast<HttpsGet*>(arg);
    struct sa addr {};
    bool found = false;
    struct Pick {
        struct sa* addr;
        bool* found;
        uint16_t port;
    } pick{&addr, &found, self->port_};
    dns_rrlist_apply2(
        ansl, self->host_.c_str(), DNS_TYPE_A, DNS_TYPE_AAAA, DNS_CLASS_IN, true,
        [](struct dnsrr* rr, void* a) -> bool {
            auto* p = static_cast<Pick*>(a);
            if (rr->type == DNS_TYPE_A)
                sa_set_in(p->addr, rr->rdata.a.addr, p->port);
            else
                sa_set_in6(p->addr, rr->rdata.aaaa.addr, p->port);
            *p->found = true;
            return true;  // the first address will do
        },
        &pick);
    if (!found && !self->ipv6_tried_) {
        self->ipv6_tried_ = true;
        struct dns_query* q = nullptr;
        if (dnsc_query(&q, self->dnsc_, self->host_.c_str(), DNS_TYPE_AAAA, DNS_CLASS_IN, true,
                       &HttpsGet::on_dns, self) == 0) {
            self->query_.reset(q);  // frees the finished A query
            return;
        }
    }
    if (!found) {
        self->complete({0,
                        {},
                        "cannot resolve " + self->host_ +
                            (err != 0 ? std::string(": ") + std::strerror(err) : "")});
        return;
    }
    if (auto st = self->connect(addr); !st) self->complete({0, {}, st.error().message});
}

Status HttpsGet::connect(const struct sa& addr) {
    // The CA bundle and the verify mode live in the shared context; the name or address checked
    // belongs to this connection (SSL_new copies the context's parameters).
    SSL_CTX* ctx = tls_openssl_context(tls_);
    if (verify_ && ctx != nullptr) {
        X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx);
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        if (is_ip(host_)) {
            (void)X509_VERIFY_PARAM_set1_host(param, nullptr, 0);
            if (X509_VERIFY_PARAM_set1_ip_asc(param, host_.c_str()) != 1)
                return fail("cannot check the certificate for " + host_);
        } else {
            (void)X509_VERIFY_PARAM_set1_ip(param, nullptr, 0);
            if (X509_VERIFY_PARAM_set1_host(param, host_.c_str(), 0) != 1)
                return fail("cannot check the certificate for " + host_);
        }
    }
    struct tcp_conn* tc = nullptr;
    if (int err = tcp_connect(&tc, &addr, &HttpsGet::on_established, &HttpsGet::on_receive,
                              &HttpsGet::on_closed, this);
        err != 0)
        return fail("cannot connect to " + host_ + ": " + std::strerror(err));
    tcp_.reset(tc);
    struct tls_conn* sc = nullptr;
    if (int err = tls_start_tcp(&sc, tls_, tcp_.get(), 0); err != 0)
        return fail("cannot start TLS to " + host_ + ": " + std::strerror(err));
    tls_conn_.reset(sc);
    if (!is_ip(host_)) (void)tls_set_servername(tls_conn_.get(), host_.c_str());  // SNI
    return Ok{};
}

void HttpsGet::on_established(void* arg) {
    // libre's TLS layer reports the connection only once the handshake has succeeded, that is
    // after the peer's certificate passed: the request goes out now, never before.
    auto* self = static_cast<HttpsGet*>(arg);
    self->established_ = true;
    struct mbuf* mb = mbuf_alloc(self->request_.size());
    if (mb == nullptr) {
        self->complete({0, {}, "out of memory"});
        return;
    }
    ReHandle<struct mbuf> request(mb);
    (void)mbuf_write_str(mb, self->request_.c_str());
    mbuf_set_pos(mb, 0);
    if (int err = tcp_send(self->tcp_.get(), mb); err != 0)
        self->complete({0, {}, "cannot send to " + self->host_ + ": " + std::strerror(err)});
}

void HttpsGet::on_receive(struct mbuf* mb, void* arg) {
    auto* self = static_cast<HttpsGet*>(arg);
    if (self->completed_) return;
    self->received_.append(reinterpret_cast<const char*>(mbuf_buf(mb)), mbuf_get_left(mb));
    if (self->received_.size() > kMaxAnswer) {
        self->complete({0, {}, "answer from " + self->host_ + " is larger than 512 KiB"});
        return;
    }
    self->answer_if_complete(false);
}

void HttpsGet::on_closed(int err, void* arg) {
    auto* self = static_cast<HttpsGet*>(arg);
    if (self->completed_) return;
    if (!self->established_) {
        // The handshake failed: tell a refused certificate from a network error.
        const bool refused =
            self->verify_ && self->tls_conn_ && tls_peer_verify(self->tls_conn_.get()) != 0;
        if (refused) {
            spdlog::warn(
                "http: TLS peer {} not verified (untrusted certificate or wrong name): "
                "nothing sent",
                log_field(self->host_));
            self->complete({0, {}, "TLS peer " + self->host_ + " not verified"});
            return;
        }
        self->complete({0,
                        {},
                        "connection to " + self->host_ +
                            " failed: " + std::strerror(err != 0 ? err : ECONNRESET)});
        return;
    }
    self->answer_if_complete(true);
}

void HttpsGet::answer_if_complete(bool closed) {
    struct mbuf* mb = mbuf_alloc(received_.size() + 1);
    if (mb == nullptr) {
        complete({0, {}, "out of memory"});
        return;
    }
    ReHandle<struct mbuf> buffer(mb);
    (void)mbuf_write_mem(mb, reinterpret_cast<const uint8_t*>(received_.data()), received_.size());
    mbuf_set_pos(mb, 0);
    struct http_msg* raw = nullptr;
    const int err = http_msg_decode(&raw, mb, false);
    ReHandle<struct http_msg> msg(raw);
    if (err != 0) {
        if (closed)
            complete(
                {0,
                 {},
                 "no valid HTTP answer from " + host_ + (err == ENODATA ? " (cut short)" : "")});
        return;  // the head is still coming
    }
    if (http_msg_hdr_has_value(msg.get(), HTTP_HDR_TRANSFER_ENCODING, "chunked")) {
        // Not allowed in an answer to HTTP/1.0 (RFC 9112 6.1).
        complete({0, {}, "chunked answer from " + host_ + " to an HTTP/1.0 request"});
        return;
    }
    const size_t left = mbuf_get_left(mb);
    const bool has_length = http_msg_hdr(msg.get(), HTTP_HDR_CONTENT_LENGTH) != nullptr;
    if (has_length && left < msg->clen) {
        if (closed) complete({0, {}, "answer from " + host_ + " cut short"});
        return;
    }
    if (!has_length && !closed) return;  // the body ends with the connection
    HttpAnswer answer{msg->scode, {}, {}};
    answer.body.assign(reinterpret_cast<const char*>(mbuf_buf(mb)), has_length ? msg->clen : left);
    complete(std::move(answer));
}

void HttpsGet::complete(HttpAnswer answer) {
    if (completed_) return;
    completed_ = true;
    // Reported from the loop: the caller may destroy this object, which must not happen inside
    // a libre handler of the connection it owns.
    report_.start(0, [this, answer = std::move(answer)] {
        auto done = std::move(done_);
        done_ = nullptr;
        if (done) done(answer);  // may destroy this object
    });
}

}  // namespace core
