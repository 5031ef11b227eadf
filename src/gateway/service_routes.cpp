#include "gateway/service_routes.hpp"

#include <algorithm>
#include <cctype>

namespace gateway {

namespace {

bool same_text_nocase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace

ServiceRoutes::ServiceRoutes(std::vector<core::ServiceConfig> services)
    : services_(std::move(services)) {
    if (services_.empty()) services_.emplace_back();  // the built-in default (janus demo)
    const auto def = std::find_if(services_.begin(), services_.end(),
                                  [](const core::ServiceConfig& c) { return c.is_default; });
    default_index_ = def == services_.end() ? 0 : static_cast<size_t>(def - services_.begin());
}

const core::ServiceConfig& ServiceRoutes::default_service() const {
    return services_[default_index_];
}

const core::ServiceConfig* ServiceRoutes::find(std::string_view name) const {
    for (const auto& s : services_)
        if (s.name == name) return &s;
    return nullptr;
}

const core::ServiceConfig& ServiceRoutes::of(std::string_view name) const {
    const core::ServiceConfig* s = name.empty() ? nullptr : find(name);
    return s != nullptr ? *s : default_service();
}

const core::ServiceConfig* ServiceRoutes::by_prefix(std::string_view prefix) const {
    if (prefix.empty()) return nullptr;
    for (const auto& s : services_)
        if (!s.prefix.empty() && same_text_nocase(s.prefix, prefix)) return &s;
    return nullptr;
}

const core::ServiceConfig* ServiceRoutes::by_domain(std::string_view host) const {
    if (host.empty()) return nullptr;
    for (const auto& s : services_)
        for (const auto& d : s.domains)
            if (same_text_nocase(d, host)) return &s;
    return nullptr;
}

const core::ServiceConfig* ServiceRoutes::by_digit(char digit) const {
    for (const auto& s : services_)
        if (s.ivr_digit.size() == 1 && s.ivr_digit[0] == digit) return &s;
    return nullptr;
}

const core::ServiceConfig* ServiceRoutes::by_launcher_prefix(std::string_view prefix) const {
    if (const auto* s = by_prefix(prefix)) return s;
    return prefix.empty() ? nullptr : find(prefix);
}

std::vector<ServiceMenuEntry> ServiceRoutes::ivr_menu() const {
    std::vector<ServiceMenuEntry> menu;
    for (const auto& s : services_)
        if (s.ivr_digit.size() == 1)
            menu.push_back({s.ivr_digit[0], s.name, s.label.empty() ? s.name : s.label});
    std::sort(menu.begin(), menu.end(), [](const ServiceMenuEntry& a, const ServiceMenuEntry& b) {
        return a.digit < b.digit;
    });
    return menu;
}

core::Result<Room> ServiceRoutes::route(std::string_view user, std::string_view request_host,
                                        std::string_view to_host) const {
    std::string service;
    std::string_view rest = user;
    if (const auto dot = user.find('.'); dot != std::string_view::npos) {
        if (const auto* s = by_prefix(user.substr(0, dot))) {
            service = s->name;
            rest = user.substr(dot + 1);
        }
    }
    auto room = parse_room(rest);
    if (!room) return room.error();
    if (room->kind == RoomKind::Echo) return room;  // the self-test joins no service
    if (service.empty()) {
        const auto* s = by_domain(request_host);
        if (s == nullptr) s = by_domain(to_host);
        if (s != nullptr) service = s->name;
    }
    room->service = std::move(service);
    return room;
}

}  // namespace gateway
