// The adapter of the MeetingLink tests whose local pages play the adapter contract themselves
// (docs/services.md): it opens whatever page the test serves, and each page defines its own
// window.sipmediagwAdapter after the injected one, so what is tested is the gateway's side.
// Shared by meeting_link_test.cpp and preloaded_spare_test.cpp.
#pragma once

#include "gateway/meeting_link.hpp"
#include "http_server.hpp"
#include "services/adapter.hpp"

#include <nlohmann/json.hpp>

#include <set>
#include <string>

namespace browser_test {

class PageAdapter final : public services::Adapter {
public:
    // join() gets `options` with the request's displayName and room; `preload` is the page a
    // spare pre-loads (empty: none).
    PageAdapter(std::string url, std::string origin,
                nlohmann::json options = nlohmann::json::object(), std::string preload = {})
        : url_(std::move(url)),
          origin_(std::move(origin)),
          options_(std::move(options)),
          preload_(std::move(preload)) {}
    [[nodiscard]] std::string_view name() const override { return "janus"; }
    [[nodiscard]] core::Result<std::string> join_url(
        const services::JoinRequest& /*request*/) const override {
        return url_;
    }
    [[nodiscard]] std::string preload_url() const override { return preload_; }
    [[nodiscard]] std::string permission_origin() const override { return origin_; }
    [[nodiscard]] std::set<services::Action> actions() const override { return {}; }
    [[nodiscard]] std::string join_options(const services::JoinRequest& r) const override {
        nlohmann::json o = options_;
        o["displayName"] = r.display_name;
        o["room"] = r.room;
        return o.dump();
    }

private:
    std::string url_;
    std::string origin_;
    nlohmann::json options_;
    std::string preload_;
};

// What most tests join with: a minute to join, five to wait, no password, English.
inline gateway::MeetingJoinSettings test_join_settings() {
    return {.join_timeout_s = 60, .wait_timeout_s = 300, .password = "", .language = "en"};
}

// "http://<host>:<port>" of the test's server.
inline std::string page_origin(const HttpServer& http, const std::string& host) {
    return "http://" + host + ":" + std::to_string(http.port());
}

// A test page's media(): it asks for the camera and microphone (which the gateway's link
// provides) and counts in window.__frames the video frames the page decodes.
inline constexpr const char* kPageMediaScript = R"JS(
window.__frames = 0;
async function media() {
  const s = await navigator.mediaDevices.getUserMedia({audio: true, video: true});
  const v = document.createElement('video');
  v.muted = true; v.autoplay = true; v.srcObject = s; document.body.appendChild(v);
  const count = () => { window.__frames++; v.requestVideoFrameCallback(count); };
  v.requestVideoFrameCallback(count);
}
)JS";

}  // namespace browser_test
