#include "core/http_fetch.hpp"

#include "core/libre.hpp"
#include "core/log.hpp"
#include "core/tls_trust.hpp"

#include <arpa/inet.h>

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
    if (client_ && verify_) {
        const std::string bundle = tls_ca_bundle(trust);
        if (http_client_add_ca(client_.get(), bundle.c_str()) != 0)
            spdlog::warn("http: cannot load CA bundle {}: https peers will fail verification",
                         bundle);
    }
}

namespace {

// "https://host:port/path" → host (no brackets); empty when not https.
std::string https_host(const std::string& url) {
    if (url.rfind("https://", 0) != 0) return {};
    std::string rest = url.substr(8);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (const auto at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
    if (!rest.empty() && rest.front() == '[') return rest.substr(1, rest.find(']') - 1);
    return rest.substr(0, rest.find(':'));
}

bool is_ip(const std::string& host) {
    unsigned char buf[16];
    return inet_pton(AF_INET, host.c_str(), buf) == 1 ||
           inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

HttpFetch::~HttpFetch() {
    mem_deref(request_);
}

void HttpFetch::get(const std::string& url, uint64_t timeout_ms, Done done,
                    const std::string& headers) {
    request_ = static_cast<struct http_req*>(mem_deref(request_));
    deadline_.cancel();
    done_ = std::move(done);
    if (!client_) {
        finish({0, {}, "no HTTP client"});
        return;
    }
    host_ = https_host(url);
    peer_refused_ = false;
    if (verify_ && !host_.empty() && !is_ip(host_)) {
        // libre checks the name against the certificate (SSL_set1_host); an IP literal gets the
        // chain check only, since OpenSSL matches host names, not addresses, this way.
        struct pl host {};
        pl_set_str(&host, host_.c_str());
        (void)http_client_set_tls_hostname(client_.get(), &host);
    }
    const std::string head = headers + "Content-Length: 0\r\n\r\n";
    const int err = http_request(&request_, client_.get(), "GET", url.c_str(), on_response, nullptr,
                                 this, "%s", head.c_str());
    if (err != 0) {
        finish({0, {}, "request to " + url + " failed: " + std::strerror(err)});
        return;
    }
    // libre 1.1.0 leaves client connections at SSL_VERIFY_NONE and gives no hook before the
    // request is written; the connection handler runs before the response handler, so the
    // verdict of the handshake decides whether the answer is used.
    if (verify_ && !host_.empty()) http_req_set_conn_handler(request_, &HttpFetch::on_connection);
    deadline_.start(timeout_ms, [this, url] { finish({0, {}, url + " did not answer in time"}); });
}

void HttpFetch::on_connection(struct tcp_conn* /*tc*/, struct tls_conn* sc, void* arg) {
    auto* self = static_cast<HttpFetch*>(arg);
    if (sc == nullptr || tls_peer_verify(sc) != 0) self->peer_refused_ = true;
}

void HttpFetch::on_response(int err, const struct http_msg* msg, void* arg) {
    auto* self = static_cast<HttpFetch*>(arg);
    if (self->peer_refused_) {
        spdlog::warn(
            "http: TLS peer {} not verified (untrusted certificate or wrong name): "
            "answer dropped",
            self->host_);
        self->finish({0, {}, "TLS peer " + self->host_ + " not verified"});
        return;
    }
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
    // request_ is already null here (libre frees the request once its handler returns), so
    // `done` may start another request or destroy this object.
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(answer);
}

}  // namespace core
