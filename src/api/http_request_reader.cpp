#include "api/http_request_reader.hpp"

#include "core/libre.hpp"
#include "core/re_handle.hpp"
#include "core/text.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

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

RequestRead fatal(int status, std::string message) {
    RequestRead r;
    r.state = RequestRead::State::Fatal;
    r.status = status;
    r.message = std::move(message);
    return r;
}

// Routes, logs and JSON bodies all take the decoded text: what is not UTF-8 text is refused
// here, once, rather than in each of them.
std::optional<HttpResponse> decode_target(const struct http_msg& msg, HttpRequest& req) {
    const auto path = url_decode(to_string(msg.path));
    std::string prm = to_string(msg.prm);
    if (!prm.empty() && prm.front() == '?') prm.erase(0, 1);
    auto query = parse_query(prm);
    if (!path || !query)
        return HttpResponse::error(400, "bad_request", "malformed %-escape in the URL");
    const bool text_path =
        core::is_valid_utf8(*path) && std::none_of(path->begin(), path->end(), [](char c) {
            const auto u = static_cast<unsigned char>(c);
            return u < 0x20 || u == 0x7f;
        });
    const bool text_query = std::all_of(query->begin(), query->end(), [](const auto& kv) {
        return core::is_valid_utf8(kv.first) && core::is_valid_utf8(kv.second);
    });
    if (!text_path || !text_query) {
        spdlog::info("api: refused a URL that is not UTF-8 text peer={} path=\"{}\"", req.peer,
                     core::log_field(*path));
        return HttpResponse::error(400, "bad_request",
                                   "the URL must decode to UTF-8 text without control characters");
    }
    req.path = *path;
    req.query = std::move(*query);
    return std::nullopt;
}

}  // namespace

RequestRead read_http_request(std::string_view bytes, const HttpLimits& limits,
                              const std::string& peer) {
    const size_t head_end = bytes.find("\r\n\r\n");
    if (head_end == std::string_view::npos) {
        if (bytes.size() > limits.max_head_bytes) return fatal(431, "request head too large");
        return {};
    }
    if (head_end + 4 > limits.max_head_bytes) return fatal(431, "request head too large");
    core::ReHandle<struct mbuf> mb(mbuf_alloc(head_end + 4));
    if (!mb) return fatal(500, "out of memory");
    (void)mbuf_write_mem(mb.get(), reinterpret_cast<const uint8_t*>(bytes.data()), head_end + 4);
    mb->pos = 0;
    struct http_msg* raw = nullptr;
    if (http_msg_decode(&raw, mb.get(), true) != 0) {
        mem_deref(raw);
        return fatal(400, "malformed request head");
    }
    core::ReHandle<struct http_msg> msg(raw);
    if (msg->clen > limits.max_body_bytes) return fatal(413, "request body too large");
    const size_t total = head_end + 4 + msg->clen;
    if (bytes.size() < total) return {};  // the body is still on its way
    RequestRead r;
    r.state = RequestRead::State::Ready;
    r.size = total;
    HttpRequest& req = r.request;
    req.method = to_string(msg->met);
    req.peer = peer;
    size_t hosts = 0;
    for (struct le* le = list_head(&msg->hdrl); le != nullptr; le = le->next) {
        const auto* hdr = static_cast<const struct http_hdr*>(le->data);
        std::string name = lower(to_string(hdr->name));
        if (name == "host") ++hosts;
        req.headers[std::move(name)] = to_string(hdr->val);
    }
    if (hosts > 1) {
        // RFC 9112 §3.2: which one a proxy and we would each believe is the attack.
        return fatal(400, "more than one Host header");
    }
    if (req.headers.contains("transfer-encoding"))
        return fatal(411, "send the body with a Content-Length");
    req.body = std::string(bytes.substr(head_end + 4, msg->clen));
    const std::string version = to_string(msg->ver);
    const auto connection = lower(req.header("connection").value_or(""));
    r.keep_alive = version == "1.1" && connection != "close";
    r.answer = decode_target(*msg, req);
    return r;
}

}  // namespace api
