#include "core/http_fetch.hpp"

#include "core/libre.hpp"

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
}

HttpFetch::~HttpFetch() = default;

void HttpFetch::get(const std::string& url, uint64_t timeout_ms, Done done,
                    const std::string& headers) {
    request_.reset();
    deadline_.cancel();
    done_ = std::move(done);
    if (!client_) {
        finish({0, {}, "no HTTP client"});
        return;
    }
    struct http_req* req = nullptr;
    const std::string head = headers + "Content-Length: 0\r\n\r\n";
    const int err = http_request(&req, client_.get(), "GET", url.c_str(), on_response, nullptr,
                                 this, "%s", head.c_str());
    if (err != 0) {
        finish({0, {}, "request to " + url + " failed: " + std::strerror(err)});
        return;
    }
    request_ = adopt(req);
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
    // The request is not freed here: libre may still be inside its handler.
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(answer);
}

}  // namespace core
