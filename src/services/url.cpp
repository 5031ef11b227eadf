#include "services/url.hpp"

namespace services {

std::string percent_encode(std::string_view in, std::string_view safe, bool space_as_plus) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : in) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            safe.find(static_cast<char>(c)) != std::string_view::npos) {
            out += static_cast<char>(c);
        } else if (c == ' ' && space_as_plus) {
            out += '+';
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string url_encode(std::string_view in) {
    return percent_encode(in, "-._~", false);
}

std::string url_origin(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return {};
    const std::string_view scheme = url.substr(0, scheme_end);
    if (scheme != "http" && scheme != "https") return {};
    const auto host_end = url.find_first_of("/?#", scheme_end + 3);
    return std::string(url.substr(0, host_end));
}

}  // namespace services
