// BigBlueButton: either the API's join call (checksum = SHA-1 of "join" + query + shared
// secret, per the BBB API docs) with userdata-bbb_* parameters that skip the echo test and
// share the camera, or a Greenlight room URL where the page fills in the name and joins.
#include "services/adapter.hpp"
#include "services/service_adapters.hpp"
#include "services/url.hpp"

#include <nlohmann/json.hpp>

namespace services {

namespace {

bool is_greenlight(const std::string& base_url) {
    return base_url.find("/rooms/") != std::string::npos ||
           base_url.find("/bigbluebutton/api") == std::string::npos;
}

class BigBlueButtonAdapter final : public Adapter {
public:
    explicit BigBlueButtonAdapter(core::ServiceConfig config) : config_(std::move(config)) {}

    [[nodiscard]] std::string_view name() const override { return "bigbluebutton"; }

    [[nodiscard]] core::Result<std::string> join_url(const JoinRequest& r) const override {
        if (r.room.empty()) return core::fail("a BigBlueButton meeting id is required", 404);
        std::string base = config_.base_url;
        while (!base.empty() && base.back() == '/') base.pop_back();
        if (is_greenlight(config_.base_url)) {
            // Greenlight: <base>/rooms/<room>/join, or the configured room URL itself.
            if (base.find("/rooms/") != std::string::npos) return base;
            return base + "/rooms/" + url_encode(r.room) + "/join";
        }
        if (config_.secret.empty())
            return core::fail("service.secret is needed to sign BigBlueButton API joins", 500);
        const std::string query = join_query(r);
        return base + "/join?" + query + "&checksum=" + sha1_hex("join" + query + config_.secret);
    }

    [[nodiscard]] std::string permission_origin() const override {
        return url_origin(config_.base_url);
    }

    [[nodiscard]] std::set<Action> actions() const override {
        return {Action::Mute, Action::Camera, Action::Hand, Action::Leave};
    }

    [[nodiscard]] std::string join_options(const JoinRequest& r) const override {
        nlohmann::json o{{"room", r.room},
                         {"displayName", r.display_name},
                         {"greenlight", is_greenlight(config_.base_url)},
                         {"timeoutMs", config_.join_timeout_s * 1000}};
        if (!config_.password.empty()) o["password"] = config_.password;
        return o.dump();
    }

    // The query part, in the order it is signed.
    [[nodiscard]] std::string join_query(const JoinRequest& r) const {
        std::string q = "fullName=" + url_encode(r.display_name) +
                        "&meetingID=" + url_encode(r.room) + "&role=VIEWER&redirect=true";
        if (!config_.password.empty()) q += "&password=" + url_encode(config_.password);
        q += "&userdata-bbb_skip_check_audio=true&userdata-bbb_auto_join_audio=true"
             "&userdata-bbb_listen_only_mode=false&userdata-bbb_auto_share_webcam=true"
             "&userdata-bbb_skip_video_preview=true";
        return q;
    }

private:
    core::ServiceConfig config_;
};

}  // namespace

std::unique_ptr<Adapter> make_bigbluebutton_adapter(const core::ServiceConfig& config) {
    return std::make_unique<BigBlueButtonAdapter>(config);
}

}  // namespace services
