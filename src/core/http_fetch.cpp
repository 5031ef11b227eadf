#include "core/http_fetch.hpp"

#include "core/libre.hpp"
#include "core/log.hpp"
#include "core/tls_trust.hpp"

#include <openssl/ssl.h>
#include <strings.h>

#include <cstring>

namespace core {

HttpFetch::HttpFetch() {
    // The system's name servers, for URLs with host names; libre resolves asynchronously.
    struct sa servers[4];
    uint32_t n = 4;
    if (dns_srv_get(nullptr, 0, servers, &n) != 0) n = 0;
    struct dnsc* dnsc = nullptr;
    if (dnsc_alloc(&dnsc, nullptr, servers, n) == 0) dnsc_ = adopt(dnsc);
    struct http_cli* cli = nullptr;
    if (http_client_alloc(&cli, dnsc_.get()) == 0) client_ = adopt(cli);
    const TlsTrust& trust = tls_trust();
    verify_ = trust.verify;
    struct tls* tls = nullptr;
    if (tls_alloc(&tls, TLS_METHOD_SSLV23, nullptr, nullptr) == 0) tls_.reset(tls);
    if (tls_ && verify_) {
        (void)tls_set_verify_purpose(tls_.get(), "sslserver");
        const std::string bundle = tls_ca_bundle(trust);
        if (tls_add_ca(tls_.get(), bundle.c_str()) != 0)
            spdlog::warn("http: cannot load CA bundle {}: https peers will fail verification",
                         bundle);
        // Fail the handshake itself on a bad certificate (HttpsGet checks the name or address
        // per connection): nothing is written to a peer that fails.
        if (SSL_CTX* ctx = tls_openssl_context(tls_.get()); ctx != nullptr)
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    }
}

namespace {

bool is_https(const std::string& url) {
    return url.size() >= 8 && strncasecmp(url.c_str(), "https://", 8) == 0;
}

}  // namespace

HttpFetch::~HttpFetch() {
    mem_deref(request_);
}

void HttpFetch::get(const std::string& url, uint64_t timeout_ms, Done done,
                    const std::string& headers) {
    request_ = static_cast<struct http_req*>(mem_deref(request_));
    https_.reset();
    deadline_.cancel();
    done_ = std::move(done);
    if (!client_) {
        finish({0, {}, "no HTTP client"});
        return;
    }
    if (is_https(url)) {
        if (!tls_) {
            finish({0, {}, "no TLS context for " + url});
            return;
        }
        auto get = HttpsGet::start(dnsc_.get(), tls_.get(), verify_, url, headers,
                                   [this](const HttpAnswer& answer) { finish(answer); });
        if (!get) {
            finish({0, {}, "request to " + url + " failed: " + get.error().message});
            return;
        }
        https_ = std::move(*get);
        deadline_.start(timeout_ms, [this, url] {
            finish({0, {}, url + " did not answer in time"});
        });
        return;
    }
    const std::string head = headers + "Content-Length: 0\r\n\r\n";
    const int err = http_request(&request_, client_.get(), "GET", url.c_str(), on_response, nullptr,
                                 this, "%s", head.c_str());
    if (err != 0) {
        finish({0, {}, "request to " + url + " failed: " + std::strerror(err)});
        return;
    }
    deadline_.start(timeout_ms, [this, url] { finish({0, {}, url + " did not answer in time"}); });
}

void HttpFetch::on_response(int err, const struct http_msg* msg, void* arg) {
    auto* self = static_cast<HttpFetch*>(arg);
    if (err != 0 || msg == nullptr) {
        self->finish({0, {}, std::string("request failed: ") + std::strerror(err)});
        return;
    }
    HttpAnswer answer{msg->scode, {}, {}};
    if (msg->mb != nullptr)
        answer.body.assign(reinterpret_cast<const char*>(mbuf_buf(msg->mb)),
                           mbuf_get_left(msg->mb));
    self->finish(answer);
}

void HttpFetch::finish(const HttpAnswer& answer) {
    deadline_.cancel();
    // Still pending only when the deadline ends it: cancel it, so no late answer arrives.
    request_ = static_cast<struct http_req*>(mem_deref(request_));
    // Also when called from HttpsGet's report: it is made for being destroyed there.
    https_.reset();
    // request_ is already null here (libre frees the request once its handler returns), so
    // `done` may start another request or destroy this object.
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(answer);
}

}  // namespace core
