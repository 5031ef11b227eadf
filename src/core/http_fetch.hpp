// One HTTP(S) GET at a time on the control loop (libre's client and resolver), never blocking
// a call: the IVR's conference mapper, and services that must ask a server before a join.
// https goes through core::HttpsGet: the peer is verified against core::tls_trust() (CA bundle,
// and the host name, or the address for an IP literal) during the handshake, before any request
// byte is sent; a peer that fails is reported as an error.
#pragma once

#include "core/control_loop.hpp"
#include "core/https_get.hpp"
#include "core/re_handle.hpp"

#include <cstdint>
#include <functional>
#include <string>

struct http_cli;
struct http_req;
struct http_msg;
struct dnsc;
struct tls;

namespace core {

struct HttpAnswer {
    int status = 0;     // HTTP status; 0 when no answer came
    std::string body;   // the response body
    std::string error;  // why no answer came (network, timeout); empty when one did
    [[nodiscard]] bool answered() const { return error.empty(); }
};

class HttpFetch {
public:
    using Done = std::function<void(const HttpAnswer&)>;
    HttpFetch();
    ~HttpFetch();
    HttpFetch(const HttpFetch&) = delete;
    HttpFetch& operator=(const HttpFetch&) = delete;

    // GET `url`; `headers` are extra header lines, each ending in "\r\n". A new request (or
    // destruction) abandons the one in flight, whose `done` is then never called.
    void get(const std::string& url, uint64_t timeout_ms, Done done,
             const std::string& headers = "Accept: application/json\r\n");

private:
    static void on_response(int err, const struct http_msg* msg, void* arg);
    void finish(const HttpAnswer& answer);

    ReHandle<struct dnsc> dnsc_;
    ReHandle<struct http_cli> client_;
    // Owned by libre while in flight: it sets this to null before the response handler runs and
    // frees the request after it, so only a pending request is ours to cancel (mem_deref).
    struct http_req* request_ = nullptr;
    ReHandle<struct tls> tls_;  // https: our trust, shared by this object's requests
    std::unique_ptr<HttpsGet> https_;
    Timer deadline_;
    Done done_;
    bool verify_ = true;
};

}  // namespace core
