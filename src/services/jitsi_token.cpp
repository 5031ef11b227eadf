#include "services/jitsi_token.hpp"

#include "services/url.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace services {

namespace {

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r\n");
    return s.substr(first, last - first + 1);
}

// header.payload.signature, each base64url: what Prosody's token check accepts. An HTML error
// page answered with 200 must not be handed to the meeting as a token.
bool looks_like_jwt(std::string_view s) {
    const bool charset = std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.' || c == '=';
    });
    return charset && std::count(s.begin(), s.end(), '.') == 2 && s.front() != '.' &&
           s.back() != '.';
}

std::string excerpt(std::string_view body) {
    constexpr size_t max = 80;
    std::string out(body.substr(0, max));
    std::replace_if(
        out.begin(), out.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
    return body.size() > max ? out + "…" : out;
}

}  // namespace

std::string jitsi_token_url(std::string_view url_template, std::string_view room) {
    std::string out(url_template);
    const std::string encoded = url_encode(room);
    for (auto at = out.find("{room}"); at != std::string::npos;
         at = out.find("{room}", at + encoded.size()))
        out.replace(at, 6, encoded);
    return out;
}

core::Result<std::string> jitsi_token_from_answer(const core::HttpAnswer& answer) {
    if (!answer.answered()) return core::fail("token service unreachable: " + answer.error, 502);
    if (answer.status < 200 || answer.status > 299)
        return core::fail("token service answered HTTP " + std::to_string(answer.status), 502);
    const std::string_view body = trim(answer.body);
    if (body.empty()) return core::fail("token service answered an empty body", 502);
    if (body.front() == '{') {
        const auto json = nlohmann::json::parse(body, nullptr, false);
        if (json.is_discarded()) return core::fail("token service answered invalid JSON", 502);
        for (const char* member : {"token", "jwt"}) {
            if (auto it = json.find(member); it != json.end() && it->is_string()) {
                if (it->get_ref<const std::string&>().empty()) break;
                return it->get<std::string>();
            }
        }
        return core::fail("token service answer has no \"token\" or \"jwt\" string member", 502);
    }
    if (!looks_like_jwt(body))
        return core::fail("token service answer is not a token: \"" + excerpt(body) + "\"", 502);
    return std::string(body);
}

}  // namespace services
