// Jitsi Meet through its IFrame API: the page is a blank document of the deployment's origin
// in which assets/services/jitsi.js loads https://<domain>/external_api.js and creates the
// meeting iframe (prejoin off, display name, lobby knocking, JWT when configured).
#include "services/adapter.hpp"
#include "services/service_adapters.hpp"
#include "services/url.hpp"

#include <nlohmann/json.hpp>

namespace services {

namespace {

class JitsiAdapter final : public Adapter {
public:
    explicit JitsiAdapter(core::ServiceConfig config) : config_(std::move(config)) {}

    [[nodiscard]] std::string_view name() const override { return "jitsi"; }

    [[nodiscard]] core::Result<std::string> join_url(const JoinRequest& r) const override {
        if (r.room.empty()) return core::fail("a Jitsi room name is required", 404);
        // A page of the deployment's own origin that exists on every Jitsi Meet install, so
        // external_api.js loads same-origin; jitsi.js replaces its content with the iframe.
        return url_origin(config_.base_url) + "/static/close3.html";
    }

    [[nodiscard]] std::string permission_origin() const override {
        return url_origin(config_.base_url);
    }

    [[nodiscard]] std::set<Action> actions() const override {
        return {Action::Mute, Action::Camera, Action::Hand, Action::TileView, Action::Leave};
    }

    [[nodiscard]] std::string join_options(const JoinRequest& r) const override {
        const std::string origin = url_origin(config_.base_url);
        const std::string domain = origin.substr(origin.find("://") + 3);
        nlohmann::json o{{"domain", domain},
                         {"room", r.room},
                         {"displayName", r.display_name},
                         {"timeoutMs", config_.join_timeout_s * 1000}};
        if (!config_.jwt.empty()) o["jwt"] = config_.jwt;
        if (!config_.password.empty()) o["password"] = config_.password;
        return o.dump();
    }

private:
    core::ServiceConfig config_;
};

}  // namespace

std::unique_ptr<Adapter> make_jitsi_adapter(const core::ServiceConfig& config) {
    return std::make_unique<JitsiAdapter>(config);
}

}  // namespace services
