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

// Bounds on what a peer may send: the parser refuses beyond them before any per-format work,
// so one INVITE (64 KiB over TCP) cannot grow the work of the offer/answer. Real endpoints stay
// well below: a WebRTC browser offers about 40 video formats and 200 attributes per m= line in
// 8-12 KB; room systems a fraction of that. docs/sip.md lists the numbers.
struct SdpLimits {
    static constexpr size_t max_bytes = size_t{32} * 1024;
    static constexpr size_t max_media = 8;         // m= lines
    static constexpr size_t max_formats = 64;      // formats on one m= line
    static constexpr size_t max_attributes = 512;  // a= lines of one m= line
    static constexpr size_t max_session_attributes = 128;
    static constexpr size_t max_bandwidths = 8;  // b= lines per level
};

// Error codes of parse_sdp beyond "malformed" (core::Error::code).
inline constexpr int kSdpTooComplex = 1;  // past SdpLimits
inline constexpr int kSdpHostName = 2;    // c= names a host instead of an IP literal

// Errors name the offending line so a log tells what the peer got wrong. c= must be an IP
// literal of its address type: a name would be resolved by a blocking lookup on the control
// thread further down (GStreamer's udpsink), so it is refused here (kSdpHostName).
core::Result<SdpDescription> parse_sdp(std::string_view text);

// Whether a description has a content line (RFC 4796 a=content:slides on a video line) or a
// BFCP line (RFC 8856): a relayed call gets TURN relays for those only then.
bool has_content_or_floor(const SdpDescription& sdp);

// True for a numeric IPv4 (type "IP4") or IPv6 ("IP6") address; never resolves anything.
bool is_ip_literal(std::string_view address, std::string_view type);
std::string format_sdp(const SdpDescription& sdp);

// "IN IP4 1.2.3.4" / "IN IP6 ::1" prefix for an address.
std::string sdp_address_type(const std::string& address);

}  // namespace sip
