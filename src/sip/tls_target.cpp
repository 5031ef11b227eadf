#include "sip/tls_target.hpp"

#include "sip/digest_source.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace sip {

namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) ==
                      std::tolower(static_cast<unsigned char>(b));
           });
}

// The ";..." parameters after the host and port, without "?headers".
struct UriParts {
    std::string_view head;    // scheme ":" user "@" host ":" port
    std::string_view params;  // ";a=b;c" or empty
    std::string_view tail;    // "?headers" or empty
};

UriParts split(std::string_view uri) {
    // Parameters start at the first ';' after the host: a user part may hold ';' only
    // escaped, and '@' ends it.
    const auto at = uri.find('@');
    const auto host_start = at == std::string_view::npos ? uri.find(':') + 1 : at + 1;
    const auto semi = uri.find(';', host_start);
    const auto query = uri.find('?', host_start);
    UriParts p;
    p.head = uri.substr(0, std::min(semi, query));
    if (semi != std::string_view::npos && (query == std::string_view::npos || semi < query))
        p.params = uri.substr(semi, query == std::string_view::npos ? query : query - semi);
    if (query != std::string_view::npos) p.tail = uri.substr(query);
    return p;
}

// The value of ";transport=" among `params`, lower case; empty when absent.
std::string transport_param(std::string_view params) {
    std::string found;
    size_t pos = 0;
    while (pos < params.size()) {
        const auto next = params.find(';', pos + 1);
        const std::string_view one = params.substr(
            pos + 1, next == std::string_view::npos ? std::string_view::npos : next - pos - 1);
        // The first one counts, as libre reads it (msg_param_decode).
        if (starts_with_nocase(one, "transport=")) {
            for (char c : one.substr(10))
                found.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
            return found;
        }
        if (next == std::string_view::npos) break;
        pos = next;
    }
    return found;
}

bool is_ip_literal(const std::string& host) {
    unsigned char buf[16];
    return inet_pton(AF_INET, host.c_str(), buf) == 1 ||
           inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// The port after the host of "scheme:user@host:port"; 0 when absent or not a port.
uint16_t port_of(std::string_view head) {
    if (const auto at = head.rfind('@'); at != std::string_view::npos) {
        head = head.substr(at + 1);
    } else {
        head = head.substr(head.find(':') + 1);
    }
    if (!head.empty() && head.front() == '[') {
        const auto close = head.find(']');
        head = close == std::string_view::npos ? std::string_view{} : head.substr(close + 1);
    } else if (const auto colon = head.find(':'); colon != std::string_view::npos) {
        head = head.substr(colon);
    } else {
        head = {};
    }
    if (head.size() < 2 || head.front() != ':') return 0;
    uint32_t port = 0;
    for (char c : head.substr(1)) {
        if (c < '0' || c > '9') return 0;
        port = port * 10 + static_cast<uint32_t>(c - '0');
        if (port > 65535) return 0;
    }
    return static_cast<uint16_t>(port);
}

}  // namespace

std::optional<TlsTarget> tls_target_of(std::string_view uri) {
    const bool sips = starts_with_nocase(uri, "sips:");
    if (!sips && !starts_with_nocase(uri, "sip:")) return std::nullopt;
    if (!sips && transport_param(split(uri).params) != "tls") return std::nullopt;
    const UriParts parts = split(uri);
    TlsTarget t;
    t.host = uri_host(uri);
    t.ip_literal = is_ip_literal(t.host);
    t.transport_given = !transport_param(parts.params).empty();
    t.port = port_of(parts.head);
    return t;
}

std::string sendable_uri(std::string_view uri) {
    if (!starts_with_nocase(uri, "sips:")) return std::string(uri);
    const UriParts p = split(uri);
    std::string out = "sip:";
    out += p.head.substr(5);
    // Every parameter but transport, then ours.
    size_t pos = 0;
    while (pos < p.params.size()) {
        const auto next = p.params.find(';', pos + 1);
        const std::string_view one =
            p.params.substr(pos, next == std::string_view::npos ? next : next - pos);
        if (!starts_with_nocase(one, ";transport=")) out += one;
        if (next == std::string_view::npos) break;
        pos = next;
    }
    out += ";transport=tls";
    out += p.tail;
    return out;
}

}  // namespace sip
