// Which configured service a call joins (docs/services.md "Several services"): a room prefix
// (sip:bbb.1234@gw), the dialled domain (sip:1234@bbb.example.org), the launcher's prefix or
// service, or a digit in the IVR menu; otherwise the default service.
#pragma once

#include "core/config.hpp"
#include "core/result.hpp"
#include "gateway/room.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace gateway {

struct ServiceMenuEntry {
    char digit = '0';
    std::string service;  // its name
    std::string label;    // what the caller's screen shows
};

class ServiceRoutes {
public:
    // `services` as Config::all_services() gives them; one is marked default, else the first is.
    explicit ServiceRoutes(std::vector<core::ServiceConfig> services);

    [[nodiscard]] const core::ServiceConfig& default_service() const;
    [[nodiscard]] const std::vector<core::ServiceConfig>& all() const { return services_; }
    // By name; null when no service has it.
    [[nodiscard]] const core::ServiceConfig* find(std::string_view name) const;
    // The service of a chosen name, the default one for an empty name.
    [[nodiscard]] const core::ServiceConfig& of(std::string_view name) const;
    // Prefixes and domains compare case-insensitively (callers' phones differ in case).
    [[nodiscard]] const core::ServiceConfig* by_prefix(std::string_view prefix) const;
    [[nodiscard]] const core::ServiceConfig* by_domain(std::string_view host) const;
    [[nodiscard]] const core::ServiceConfig* by_digit(char digit) const;
    // The launcher's `prefix`: a service's prefix, else its name.
    [[nodiscard]] const core::ServiceConfig* by_launcher_prefix(std::string_view prefix) const;

    // Services with an IVR digit, by digit. The IVR asks only when there are two or more.
    [[nodiscard]] std::vector<ServiceMenuEntry> ivr_menu() const;

    // The room a dialled user part names and the service it chooses: a leading "<prefix>." of
    // a configured service (the rest is the room), else the request-URI's host, else To's host
    // among the services' domains; an unknown prefix is part of the room name.
    [[nodiscard]] core::Result<Room> route(std::string_view user, std::string_view request_host,
                                           std::string_view to_host) const;

private:
    std::vector<core::ServiceConfig> services_;
    size_t default_index_ = 0;
};

}  // namespace gateway
