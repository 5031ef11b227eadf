#include "sip/sdp.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <sstream>

namespace sip {

namespace {

std::vector<std::string> split_words(std::string_view s) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && s[i] == ' ') ++i;
        size_t j = i;
        while (j < s.size() && s[j] != ' ') ++j;
        if (j > i) out.emplace_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

std::optional<uint16_t> to_port(std::string_view s) {
    // "port/count" is legal; we only ever use the first port.
    s = s.substr(0, s.find('/'));
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v > 65535) return std::nullopt;
    return static_cast<uint16_t>(v);
}

// "IN IP4 1.2.3.4[/ttl]" → address
core::Result<std::string> parse_connection(std::string_view value) {
    auto w = split_words(value);
    if (w.size() != 3 || w[0] != "IN" || (w[1] != "IP4" && w[1] != "IP6"))
        return core::fail("malformed c= line");
    std::string address = w[2].substr(0, w[2].find('/'));
    if (!is_ip_literal(address, w[1]))
        return core::fail("c= address is not an " + w[1] + " literal (host names are refused)",
                          kSdpHostName);
    return address;
}

SdpAttribute parse_attribute(std::string_view value) {
    const auto colon = value.find(':');
    if (colon == std::string_view::npos) return {std::string(value), {}};
    return {std::string(value.substr(0, colon)), std::string(value.substr(colon + 1))};
}

}  // namespace

std::optional<std::string> SdpMedia::attribute(std::string_view name) const {
    for (const auto& a : attributes)
        if (a.name == name) return a.value;
    return std::nullopt;
}

bool SdpMedia::has_attribute(std::string_view name) const {
    return attribute(name).has_value();
}

bool SdpDescription::has_attribute(std::string_view name) const {
    for (const auto& a : attributes)
        if (a.name == name) return true;
    return false;
}

bool is_ip_literal(std::string_view address, std::string_view type) {
    // inet_pton stops at a NUL: "10.0.0.5\0junk" would pass as 10.0.0.5 (found by fuzz_sdp).
    if (address.empty() || address.size() > INET6_ADDRSTRLEN ||
        address.find('\0') != std::string_view::npos)
        return false;
    const std::string z(address);  // inet_pton wants a NUL-terminated string
    unsigned char buf[sizeof(struct in6_addr)];
    if (type == "IP4") return inet_pton(AF_INET, z.c_str(), buf) == 1;
    if (type == "IP6") return inet_pton(AF_INET6, z.c_str(), buf) == 1;
    return false;
}

std::string sdp_address_type(const std::string& address) {
    return address.find(':') != std::string::npos ? "IN IP6 " + address : "IN IP4 " + address;
}

core::Result<SdpDescription> parse_sdp(std::string_view text) {
    if (text.size() > SdpLimits::max_bytes)
        return core::fail("SDP of " + std::to_string(text.size()) + " bytes exceeds " +
                              std::to_string(SdpLimits::max_bytes),
                          kSdpTooComplex);
    SdpDescription sdp;
    bool seen_version = false;
    bool seen_origin = false;
    size_t line_no = 0;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) continue;  // tolerate a trailing blank line
        auto bad = [&](const std::string& why, int code = 0) {
            return core::fail("SDP line " + std::to_string(line_no) + ": " + why, code);
        };
        auto too_many = [&](const char* what, size_t limit) {
            return bad(std::string("more than ") + std::to_string(limit) + " " + what,
                       kSdpTooComplex);
        };
        if (line.size() < 2 || line[1] != '=') return bad("expected <type>=<value>");
        const char type = line[0];
        const std::string_view value = line.substr(2);
        if (!seen_version) {
            if (type != 'v' || value != "0") return bad("must start with v=0");
            seen_version = true;
            continue;
        }
        SdpMedia* m = sdp.media.empty() ? nullptr : &sdp.media.back();
        switch (type) {
            case 'o': {
                auto w = split_words(value);
                if (w.size() != 6 || w[3] != "IN") return bad("malformed o= line");
                sdp.origin_username = w[0];
                sdp.session_id = w[1];
                sdp.session_version = w[2];
                sdp.origin_address = w[5];
                seen_origin = true;
                break;
            }
            case 's':
                sdp.session_name = std::string(value);
                break;
            case 'c': {
                auto addr = parse_connection(value);
                if (!addr) return bad(addr.error().message, addr.error().code);
                (m != nullptr ? m->connection_address : sdp.connection_address) = *addr;
                break;
            }
            case 'b': {
                if (value.find(':') == std::string_view::npos) return bad("malformed b= line");
                auto& lines = m != nullptr ? m->bandwidths : sdp.bandwidths;
                if (lines.size() >= SdpLimits::max_bandwidths)
                    return too_many("b= lines", SdpLimits::max_bandwidths);
                lines.emplace_back(value);
                break;
            }
            case 'a': {
                auto& attrs = m != nullptr ? m->attributes : sdp.attributes;
                const size_t limit =
                    m != nullptr ? SdpLimits::max_attributes : SdpLimits::max_session_attributes;
                if (attrs.size() >= limit) return too_many("a= lines", limit);
                attrs.push_back(parse_attribute(value));
                break;
            }
            case 'm': {
                if (sdp.media.size() >= SdpLimits::max_media)
                    return too_many("m= lines", SdpLimits::max_media);
                auto w = split_words(value);
                if (w.size() < 4) return bad("malformed m= line");
                if (w.size() - 3 > SdpLimits::max_formats)
                    return too_many("formats on one m= line", SdpLimits::max_formats);
                auto port = to_port(w[1]);
                if (!port) return bad("bad port in m= line");
                SdpMedia media;
                media.media = w[0];
                media.port = *port;
                media.proto = w[2];
                media.formats.assign(w.begin() + 3, w.end());
                sdp.media.push_back(std::move(media));
                break;
            }
            default:
                // t=, r=, z=, k=, i=, u=, e=, p=: legal, nothing we act on.
                if (type < 'a' || type > 'z') return bad("unknown line type");
                break;
        }
    }
    if (!seen_version) return core::fail("SDP is empty");
    if (!seen_origin) return core::fail("SDP has no o= line");
    for (const auto& m : sdp.media) {
        if (m.port != 0 && m.connection_address.empty() && sdp.connection_address.empty())
            return core::fail("SDP m=" + m.media + " has no c= address");
    }
    return sdp;
}

std::string format_sdp(const SdpDescription& sdp) {
    std::ostringstream os;
    os << "v=0\r\n";
    os << "o=" << sdp.origin_username << ' ' << sdp.session_id << ' ' << sdp.session_version << ' '
       << sdp_address_type(sdp.origin_address) << "\r\n";
    os << "s=" << sdp.session_name << "\r\n";
    if (!sdp.connection_address.empty())
        os << "c=" << sdp_address_type(sdp.connection_address) << "\r\n";
    for (const auto& b : sdp.bandwidths) os << "b=" << b << "\r\n";
    os << "t=0 0\r\n";
    for (const auto& a : sdp.attributes)
        os << "a=" << a.name << (a.value.empty() ? "" : ":") << a.value << "\r\n";
    for (const auto& m : sdp.media) {
        os << "m=" << m.media << ' ' << m.port << ' ' << m.proto;
        for (const auto& f : m.formats) os << ' ' << f;
        os << "\r\n";
        if (!m.connection_address.empty())
            os << "c=" << sdp_address_type(m.connection_address) << "\r\n";
        for (const auto& b : m.bandwidths) os << "b=" << b << "\r\n";
        for (const auto& a : m.attributes)
            os << "a=" << a.name << (a.value.empty() ? "" : ":") << a.value << "\r\n";
    }
    return os.str();
}

bool has_content_or_floor(const SdpDescription& sdp) {
    for (const auto& m : sdp.media) {
        if (m.media == "video" && m.attribute("content") == "slides") return true;
        if (m.media == "application" && m.proto.find("BFCP") != std::string::npos) return true;
    }
    return false;
}

}  // namespace sip
