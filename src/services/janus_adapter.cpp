// Janus VideoRoom through its demo page (Debian janus-demos: videoroomtest.html), the meeting
// we can run locally. Rooms are the numeric VideoRoom ids (the demo's default is 1234).
#include "services/adapter.hpp"
#include "services/service_adapters.hpp"
#include "services/url.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace services {

namespace {

class JanusAdapter final : public Adapter {
public:
    explicit JanusAdapter(core::ServiceConfig config) : config_(std::move(config)) {}

    [[nodiscard]] std::string_view name() const override { return "janus"; }

    [[nodiscard]] core::Result<std::string> join_url(const JoinRequest& r) const override {
        const bool numeric = !r.room.empty() && r.room.size() <= 18 &&
                             std::all_of(r.room.begin(), r.room.end(),
                                         [](unsigned char c) { return std::isdigit(c) != 0; });
        if (!numeric)
            return core::fail("Janus VideoRoom rooms are numbers; '" + r.room + "' is not", 404);
        const char sep = config_.base_url.find('?') == std::string::npos ? '?' : '&';
        return config_.base_url + sep + "room=" + r.room;
    }

    // The demo page without a room: its room is read from the URL only when its script loads,
    // so the script's join() sets it instead (assets/services/janus.js).
    [[nodiscard]] std::string preload_url() const override { return config_.base_url; }

    [[nodiscard]] std::string permission_origin() const override {
        return url_origin(config_.base_url);
    }

    [[nodiscard]] std::set<Action> actions() const override {
        return {Action::Mute, Action::Camera, Action::Leave};
    }

    [[nodiscard]] std::string join_options(const JoinRequest& r) const override {
        return nlohmann::json{{"room", r.room},
                              {"displayName", r.display_name},
                              {"timeoutMs", config_.join_timeout_s * 1000}}
            .dump();
    }

private:
    core::ServiceConfig config_;
};

}  // namespace

std::unique_ptr<Adapter> make_janus_adapter(const core::ServiceConfig& config) {
    return std::make_unique<JanusAdapter>(config);
}

}  // namespace services
