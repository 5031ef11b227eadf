// Which outgoing SIP requests must go over TLS, and the URI libre can send them to.
//
// libre 1.1.0 routes only "sip:" URIs (sip_request refuses any other scheme with ENOSYS), so a
// "sips:" target is sent as "sip:...;transport=tls": TLS to the next hop, which is what a sips:
// URI asks of its first hop (RFC 3261 section 26.2.2); the hops after it are the proxies' part.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sip {

struct TlsTarget {
    std::string host;  // as written in the URI, brackets of an IPv6 literal removed
    bool ip_literal = false;
    uint16_t port = 0;  // 0: none in the URI (RFC 3263: SRV, or 5061)
    // A "sips:" URI without ";transport=": RFC 3263 asks NAPTR first when no port is given.
    bool transport_given = false;
};

// The TLS peer a request to `uri` goes to: a "sips:" URI or one with ";transport=tls" (any
// case); nullopt for any other URI.
std::optional<TlsTarget> tls_target_of(std::string_view uri);

// `uri` as libre can send it: "sips:u@h;p" becomes "sip:u@h;p;transport=tls" (an existing
// transport parameter is replaced); any other URI is returned unchanged.
std::string sendable_uri(std::string_view uri);

}  // namespace sip
