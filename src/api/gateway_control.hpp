// What the HTTP API needs from the gateway. gateway/ implements it; api/ never sees sessions.
// Errors carry the HTTP status in core::Error::code (400, 404, 409, 503, ...).
#pragma once

#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace api {

struct GatewayStartRequest {
    std::string room;          // meeting room; empty: the caller goes through the IVR
    std::string service;       // adapter name; empty: the configured default
    std::string display_name;  // name shown in the meeting; empty: from the caller
    std::string dial;          // SIP URI to call out to; empty: wait for an incoming call
    std::string from;          // reference launcher: who is expected to call (logged)
    std::string prefix;        // reference launcher: registration prefix of the slot
};

class GatewayControl {
public:
    virtual ~GatewayControl() = default;
    // Start a gateway (dial-out, or a slot reserved for an incoming call). Returns its JSON view.
    virtual core::Result<nlohmann::json> start_gateway(const GatewayStartRequest& request) = 0;
    [[nodiscard]] virtual nlohmann::json list_gateways() const = 0;
    [[nodiscard]] virtual core::Result<nlohmann::json> gateway(const std::string& id) const = 0;
    virtual core::Status stop_gateway(const std::string& id) = 0;
    // {"action": "mute"|"camera"|"hand"|"tile"|"leave"|"dtmf", ...}
    virtual core::Result<nlohmann::json> command(const std::string& id,
                                                 const nlohmann::json& command) = 0;
    // Prometheus text exposition format.
    [[nodiscard]] virtual std::string metrics() const = 0;
    // {"status": "ok"|"degraded", ...}; degraded answers 503.
    [[nodiscard]] virtual nlohmann::json health() const = 0;
};

}  // namespace api
