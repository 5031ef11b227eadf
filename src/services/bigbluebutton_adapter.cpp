// BigBlueButton, reached in one of two ways (docs/services.md):
// - the API (`https://host/bigbluebutton/api` + [service] secret): prepare() asks
//   getMeetingInfo whether the meeting exists, so a wrong id is a clear cause and not a join
//   timeout (BBB redirects a failed join to the logout URL and the page never says why); the
//   page opens a signed join URL whose userdata-bbb_* parameters skip the audio check and share
//   the camera;
// - a Greenlight v3 room (`https://greenlight.example.org`, room = the friendly id): the page
//   fills Greenlight's join form, which then sends the browser to the BBB client, where join()
//   runs again.
#include "services/adapter.hpp"
#include "services/bigbluebutton_api.hpp"
#include "services/service_adapters.hpp"
#include "services/url.hpp"

#include <nlohmann/json.hpp>

namespace services {

namespace {

constexpr uint64_t kMeetingInfoTimeoutMs = 10000;

std::string without_trailing_slashes(std::string s) {
    while (!s.empty() && s.back() == '/') s.pop_back();
    return s;
}

// The API base ("https://host/bigbluebutton/api"), or empty when base_url is a Greenlight URL.
// A base written without the final "api" ("https://host/bigbluebutton/") still means the API.
std::string api_base(const std::string& base_url) {
    std::string base = without_trailing_slashes(base_url);
    const auto at = base.find("/bigbluebutton");
    if (at == std::string::npos || base.find("/rooms/") != std::string::npos) return {};
    if (base.size() == at + std::string_view("/bigbluebutton").size()) base += "/api";
    return base;
}

class BigBlueButtonAdapter final : public Adapter {
public:
    explicit BigBlueButtonAdapter(core::ServiceConfig config)
        : config_(std::move(config)), api_(api_base(config_.base_url)) {}

    [[nodiscard]] std::string_view name() const override { return "bigbluebutton"; }

    void prepare(JoinRequest request, core::HttpFetch& http, PrepareDone done) const override {
        if (api_.empty() || config_.secret.empty() || request.room.empty()) {
            done(std::move(request));  // join_url() reports what is missing
            return;
        }
        const std::string url =
            bbb::signed_url(api_, "getMeetingInfo", "meetingID=" + bbb::form_encode(request.room),
                            config_.secret, config_.checksum);
        http.get(
            url, kMeetingInfoTimeoutMs,
            [request = std::move(request), done = std::move(done),
             api = api_](const core::HttpAnswer& answer) mutable {
                if (!answer.answered()) {
                    done(core::fail("the BigBlueButton API at " + api +
                                    " did not answer: " + answer.error));
                    return;
                }
                if (answer.status != 200) {
                    done(core::fail("the BigBlueButton API at " + api + " answered HTTP " +
                                    std::to_string(answer.status)));
                    return;
                }
                auto info = bbb::parse_meeting_info(answer.body, request.room);
                if (!info) {
                    done(info.error());
                    return;
                }
                request.prepared["internal_meeting_id"] = info->internal_id;
                request.prepared["running"] = info->running ? "true" : "false";
                done(std::move(request));
            },
            "Accept: application/xml\r\n");
    }

    [[nodiscard]] core::Result<std::string> join_url(const JoinRequest& r) const override {
        if (r.room.empty()) return core::fail("a BigBlueButton meeting id is required", 404);
        if (api_.empty()) return greenlight_url(r);
        if (config_.secret.empty())
            return core::fail("service.secret is needed to sign BigBlueButton API joins", 500);
        return bbb::signed_url(api_, "join", join_query(r), config_.secret, config_.checksum);
    }

    [[nodiscard]] std::string permission_origin() const override {
        return url_origin(config_.base_url);
    }

    [[nodiscard]] std::set<Action> actions() const override {
        return {Action::Mute, Action::Camera, Action::Hand, Action::Leave};
    }

    [[nodiscard]] std::string join_options(const JoinRequest& r) const override {
        const bool greenlight = api_.empty();
        nlohmann::json o{{"room", r.room},
                         {"displayName", r.display_name},
                         {"greenlight", greenlight},
                         // Only API joins carry userdata-bbb_auto_share_webcam; a Greenlight
                         // join URL has no userdata, so there the script shares the camera.
                         {"autoShareWebcam", !greenlight},
                         {"timeoutMs", config_.join_timeout_s * 1000}};
        // The meeting link adds [service] password itself when the adapter gives none.
        if (!config_.password.empty()) o["password"] = config_.password;
        return o.dump();
    }

    // The query part of an API join, in the order it is signed.
    [[nodiscard]] std::string join_query(const JoinRequest& r) const {
        std::string q = "fullName=" + bbb::form_encode(r.display_name) +
                        "&meetingID=" + bbb::form_encode(r.room) + "&role=VIEWER&redirect=true";
        q += "&userdata-bbb_skip_check_audio=true&userdata-bbb_auto_join_audio=true"
             "&userdata-bbb_listen_only_mode=false&userdata-bbb_auto_share_webcam=true"
             "&userdata-bbb_skip_video_preview=true"
             // 3.0 opens a session-details modal over the meeting on join.
             "&userdata-bbb_show_session_details_on_join=false"
             // One leave path whatever the server's layout: leaveMeetingDropdown.
             "&userdata-bbb_direct_leave_button=true"
             // The pre-flight screen (develop) replaces the audio and video modals.
             "&userdata-bbb_pre_flight=false"
             // The participants list rendered helps participantCount() on old clients.
             "&userdata-bbb_show_participants_on_login=true";
        return q;
    }

private:
    // Greenlight v3: /rooms/<friendly id>/join, the public join page (/rooms/<id> without
    // /join needs a Greenlight login). ?joinFormName= prefills the name (Greenlight ≥ 3.1).
    [[nodiscard]] std::string greenlight_url(const JoinRequest& r) const {
        std::string base = without_trailing_slashes(config_.base_url);
        if (base.find("/rooms/") != std::string::npos) {
            if (!base.ends_with("/join")) base += "/join";
        } else {
            base += "/rooms/" + url_encode(r.room) + "/join";
        }
        return base + "?joinFormName=" + url_encode(r.display_name);
    }

    core::ServiceConfig config_;
    std::string api_;
};

}  // namespace

std::unique_ptr<Adapter> make_bigbluebutton_adapter(const core::ServiceConfig& config) {
    return std::make_unique<BigBlueButtonAdapter>(config);
}

}  // namespace services
