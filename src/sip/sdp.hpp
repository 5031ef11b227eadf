// A plain SDP (RFC 4566) description: parsed from text and written back. Only the fields the
// gateway negotiates are typed; every attribute is kept so nothing the peer said is lost.
#pragma once

#include "core/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sip {

struct SdpAttribute {
    std::string name;
    std::string value;  // empty for property attributes (a=rtcp-mux)
};

struct SdpMedia {
    std::string media;  // "audio", "video", "application", ...
    uint16_t port = 0;
    std::string proto;  // "RTP/AVP", "RTP/AVPF", ...
    std::vector<std::string> formats;
    std::string connection_address;       // media-level c=, empty: the session's
    std::vector<std::string> bandwidths;  // "AS:512", "TIAS:512000"
    std::vector<SdpAttribute> attributes;

    [[nodiscard]] std::optional<std::string> attribute(std::string_view name) const;
    [[nodiscard]] bool has_attribute(std::string_view name) const;
};

struct SdpDescription {
    std::string origin_username = "-";
    std::string session_id = "0";
    std::string session_version = "0";
    std::string origin_address = "127.0.0.1";
    std::string session_name = "-";
    std::string connection_address;  // session-level c=
    std::vector<std::string> bandwidths;
    std::vector<SdpAttribute> attributes;
    std::vector<SdpMedia> media;

    [[nodiscard]] bool has_attribute(std::string_view name) const;
};

// Errors name the offending line so a log tells what the peer got wrong.
core::Result<SdpDescription> parse_sdp(std::string_view text);
std::string format_sdp(const SdpDescription& sdp);

// "IN IP4 1.2.3.4" / "IN IP6 ::1" prefix for an address.
std::string sdp_address_type(const std::string& address);

}  // namespace sip
