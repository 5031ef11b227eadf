#include "sip/info_body.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <string>

namespace sip {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// A key as text: "5", "*", "#", "A", or the RFC 4733 event number ("10" is *, "11" is #).
std::optional<char> parse_key(std::string_view v) {
    v = trim(v);
    if (v.size() == 1) {
        const char c = static_cast<char>(std::toupper(static_cast<unsigned char>(v[0])));
        if ((c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D')) return c;
        return std::nullopt;
    }
    unsigned n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || p != v.data() + v.size()) return std::nullopt;
    static constexpr char events[] = "0123456789*#ABCD";
    if (n < 16) return events[n];
    return std::nullopt;
}

core::Result<InfoEvent> parse_key_value_body(std::string_view body) {
    std::optional<char> key;
    uint32_t duration = 0;
    size_t pos = 0;
    while (pos < body.size()) {
        size_t end = body.find('\n', pos);
        if (end == std::string_view::npos) end = body.size();
        std::string_view line = trim(body.substr(pos, end - pos));
        pos = end + 1;
        const auto eq = line.find('=');
        if (eq == std::string_view::npos) continue;
        const std::string name = lower(trim(line.substr(0, eq)));
        const std::string_view value = trim(line.substr(eq + 1));
        if (name == "signal") {
            key = parse_key(value);
            if (!key) return core::fail("bad Signal value '" + std::string(value) + "'");
        } else if (name == "duration") {
            unsigned d = 0;
            auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), d);
            if (ec == std::errc()) duration = d;
        }
    }
    if (!key) return core::fail("no Signal= line");
    return InfoEvent{DtmfKey{*key, duration}};
}

}  // namespace

core::Result<InfoEvent> parse_info_body(std::string_view content_type, std::string_view body) {
    std::string ctype = lower(trim(content_type.substr(0, content_type.find(';'))));
    if (ctype == "application/dtmf-relay") return parse_key_value_body(body);
    if (ctype == "application/dtmf") {
        // Some phones send a bare key, others the dtmf-relay form under this type.
        if (body.find('=') != std::string_view::npos) return parse_key_value_body(body);
        if (auto key = parse_key(body)) return InfoEvent{DtmfKey{*key, 0}};
        return core::fail("bad application/dtmf body");
    }
    if (ctype == "application/media_control+xml") {
        if (body.find("picture_fast_update") != std::string_view::npos)
            return InfoEvent{KeyframeRequest{}};
        return core::fail("media_control body without picture_fast_update");
    }
    return core::fail("unsupported INFO content type '" + ctype + "'");
}

}  // namespace sip
