#include "api/request_guard.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace api {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// "host[:port]" → host (brackets of an IPv6 literal kept); nullopt when malformed.
std::optional<std::string> host_part(std::string_view authority) {
    if (authority.empty()) return std::nullopt;
    std::string_view host = authority;
    std::string_view port;
    if (authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = authority.substr(0, close + 1);
        const auto rest = authority.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return std::nullopt;
            port = rest.substr(1);
        }
    } else if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
        if (port.empty()) return std::nullopt;
    }
    if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    if (host.empty()) return std::nullopt;
    return lower(host);
}

HttpResponse forbidden(const std::string& message) {
    return HttpResponse::error(403, "forbidden", message);
}

}  // namespace

bool host_is_local_literal(std::string_view host_header) {
    const auto host = host_part(trim(host_header));
    // inet_pton stops at a NUL: "127.0.0.1\0.evil.example" must not count as 127.0.0.1.
    if (!host || host->find('\0') != std::string::npos) return false;
    if (*host == "localhost") return true;
    unsigned char buf[16];
    if (host->front() == '[') {
        const std::string inner = host->substr(1, host->size() - 2);
        return inet_pton(AF_INET6, inner.c_str(), buf) == 1;
    }
    return inet_pton(AF_INET, host->c_str(), buf) == 1;
}

std::optional<HttpResponse> check_request_origin(const HttpRequest& request,
                                                 const std::vector<std::string>& allowed_hosts) {
    const auto host_header = request.header("host");
    if (!host_header || trim(*host_header).empty())
        return HttpResponse::error(400, "bad_request", "missing Host header");
    const auto host = host_part(trim(*host_header));
    if (!host) return HttpResponse::error(400, "bad_request", "malformed Host header");
    const bool allowed = host_is_local_literal(*host_header) ||
                         std::any_of(allowed_hosts.begin(), allowed_hosts.end(),
                                     [&](const std::string& name) { return lower(name) == *host; });
    if (!allowed) {
        return forbidden("Host '" + *host +
                         "' is neither an IP address, localhost nor one of [api] allowed_hosts");
    }
    if (const auto site = request.header("sec-fetch-site")) {
        const auto s = lower(trim(*site));
        if (s == "cross-site" || s == "same-site")
            return forbidden("requests from other web sites are refused");
    }
    if (const auto origin = request.header("origin")) {
        const auto o = lower(trim(*origin));
        const auto scheme_end = o.find("://");
        const auto origin_host =
            scheme_end == std::string::npos ? std::nullopt : host_part(o.substr(scheme_end + 3));
        if (!origin_host || lower(trim(*host_header)) != o.substr(scheme_end + 3))
            return forbidden("requests from other web origins are refused");
    }
    return std::nullopt;
}

bool is_json_media_type(std::string_view content_type) {
    const auto semicolon = content_type.find(';');
    return lower(trim(content_type.substr(0, semicolon))) == "application/json";
}

}  // namespace api
