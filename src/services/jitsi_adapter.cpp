// Jitsi Meet through its IFrame API: the page opened is the deployment's own external_api.js
// (same origin as the meeting frame; see JitsiLocation::host_page), in which
// assets/services/jitsi.js loads that script and creates the meeting iframe. A per-room token
// comes from [service] token_url when set, else [service] jwt.
#include "services/adapter.hpp"
#include "services/jitsi_location.hpp"
#include "services/jitsi_token.hpp"
#include "services/service_adapters.hpp"

#include <nlohmann/json.hpp>

namespace services {

namespace {

class JitsiAdapter final : public Adapter {
public:
    explicit JitsiAdapter(core::ServiceConfig config)
        : config_(std::move(config)), location_(jitsi_location(config_.base_url)) {}

    [[nodiscard]] std::string_view name() const override { return "jitsi"; }

    void prepare(JoinRequest request, core::HttpFetch& http, PrepareDone done) const override {
        if (config_.token_url.empty()) {
            done(std::move(request));
            return;
        }
        const std::string url = jitsi_token_url(config_.token_url, request.room);
        const std::string room = request.room;
        http.get(
            url, uint64_t{config_.join_timeout_s} * 1000,
            [request = std::move(request), done = std::move(done),
             room](const core::HttpAnswer& answer) mutable {
                auto token = jitsi_token_from_answer(answer);
                if (!token) {
                    done(core::fail("no token for room \"" + room + "\": " + token.error().message,
                                    token.error().code));
                    return;
                }
                request.prepared["jwt"] = std::move(*token);
                done(std::move(request));
            });
    }

    [[nodiscard]] core::Result<std::string> join_url(const JoinRequest& r) const override {
        if (r.room.empty()) return core::fail("a Jitsi room name is required", 404);
        if (location_.origin.empty()) return core::fail("[service] base_url is not an http(s) URL");
        return location_.host_page();
    }

    // The join page is the same for every room (the IFrame API's host page): a spare that
    // loaded it joins there (assets/services/jitsi.js prejoin()).
    [[nodiscard]] std::string preload_url() const override {
        return location_.origin.empty() ? std::string() : location_.host_page();
    }

    [[nodiscard]] std::string permission_origin() const override { return location_.origin; }

    [[nodiscard]] std::set<Action> actions() const override {
        return {Action::Mute, Action::Camera, Action::Hand, Action::TileView, Action::Leave};
    }

    [[nodiscard]] std::string join_options(const JoinRequest& r) const override {
        nlohmann::json o{
            {"origin", location_.origin},          {"domain", location_.domain},
            {"room", location_.room_name(r.room)}, {"displayName", r.display_name},
            {"password", config_.password},        {"timeoutMs", config_.join_timeout_s * 1000}};
        if (auto it = r.prepared.find("jwt"); it != r.prepared.end())
            o["jwt"] = it->second;
        else if (!config_.jwt.empty())
            o["jwt"] = config_.jwt;
        return o.dump();
    }

private:
    core::ServiceConfig config_;
    JitsiLocation location_;
};

}  // namespace

std::unique_ptr<Adapter> make_jitsi_adapter(const core::ServiceConfig& config) {
    return std::make_unique<JitsiAdapter>(config);
}

}  // namespace services
