#include "services/jitsi_location.hpp"

#include "services/url.hpp"

namespace services {

std::string JitsiLocation::room_name(std::string_view room) const {
    if (tenant.empty()) return std::string(room);
    return tenant + "/" + std::string(room);
}

JitsiLocation jitsi_location(std::string_view base_url) {
    JitsiLocation l;
    l.origin = url_origin(base_url);
    if (l.origin.empty()) return l;
    l.domain = l.origin.substr(l.origin.find("://") + 3);
    std::string_view path = base_url.substr(l.origin.size());
    path = path.substr(0, path.find_first_of("?#"));
    while (!path.empty() && path.front() == '/') path.remove_prefix(1);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    l.tenant = std::string(path);
    return l;
}

}  // namespace services
