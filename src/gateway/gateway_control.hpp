// The HTTP API's view of the gateway (api::GatewayControl over gateway::Gateway): sessions and
// reservations as JSON, commands, Prometheus metrics and health.
#pragma once

#include "api/gateway_control.hpp"
#include "core/config.hpp"
#include "gateway/gateway.hpp"

namespace gateway {

class GatewayControl final : public api::GatewayControl {
public:
    GatewayControl(Gateway& gateway, const core::Config& config);

    core::Result<nlohmann::json> start_gateway(const api::GatewayStartRequest& request) override;
    [[nodiscard]] nlohmann::json list_gateways() const override;
    [[nodiscard]] core::Result<nlohmann::json> gateway(const std::string& id) const override;
    core::Status stop_gateway(const std::string& id) override;
    core::Result<nlohmann::json> command(const std::string& id,
                                         const nlohmann::json& command) override;
    [[nodiscard]] std::string metrics() const override;
    [[nodiscard]] nlohmann::json health() const override;

private:
    Gateway& gateway_;
    const core::Config& config_;
};

nlohmann::json to_json(const SessionView& v);
nlohmann::json to_json(const ReservationView& v);

}  // namespace gateway
