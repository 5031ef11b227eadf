// Where a Jitsi Meet room lives for a configured base URL: the deployment's origin (http or
// https, port kept), the tenant path (`https://meet.example.org/tenant`, JaaS
// `https://8x8.vc/vpaas-magic-cookie-…`) that prefixes every room, and the page the gateway
// opens so that external_api.js runs same-origin.
#pragma once

#include <string>
#include <string_view>

namespace services {

struct JitsiLocation {
    std::string origin;  // "https://meet.example.org:8443"
    std::string domain;  // "meet.example.org:8443", what JitsiMeetExternalAPI takes
    std::string tenant;  // "tenant" or "" (no leading/trailing '/')

    // The roomName handed to the IFrame API: "tenant/room", or "room" without a tenant.
    [[nodiscard]] std::string room_name(std::string_view room) const;
    // The host page: the deployment's own external_api.js. It exists wherever the IFrame API
    // works, is served as a script (shown as text, so nothing in it runs and nothing can
    // navigate away), and is same-origin with the meeting frame.
    [[nodiscard]] std::string host_page() const { return origin + "/external_api.js"; }
};

// Splits a base URL; query and fragment are ignored. Empty origin when not an http(s) URL.
JitsiLocation jitsi_location(std::string_view base_url);

}  // namespace services
