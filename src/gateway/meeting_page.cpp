#include "gateway/meeting_page.hpp"

#include "core/data_dir.hpp"
#include "core/log.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace gateway {

std::string read_asset(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

MeetingPageSettings meeting_page_settings(const core::BrowserConfig& config) {
    return {config.meeting_video, config.meeting_layout, config.forward_encoded_video,
            config.forward_encoded_meeting_video};
}

core::Result<browser::PageOptions> meeting_page_options(const MeetingPageSettings& settings,
                                                        const services::Adapter& adapter) {
    browser::PageOptions options;
    // The bridge's settings come first: it reads them once, when it is injected.
    const std::string bridge_config =
        "window.__smgwBridgeConfig = Object.freeze(" +
        nlohmann::json{{"video", settings.video},
                       {"layout", settings.layout},
                       {"forwardEncoded", settings.forward_encoded_video},
                       {"forwardMeetingEncoded", settings.forward_encoded_meeting_video},
                       // The page's RTP figures are logged at debug only; below that the page
                       // spares itself the getStats walk every 5 s.
                       {"rtpStats", spdlog::should_log(spdlog::level::debug)}}
            .dump() +
        ");";
    options.scripts = {bridge_config,
                       read_asset(core::data_file("bridge/compositor.js")),
                       read_asset(core::data_file("bridge/forwarder.js")),
                       read_asset(core::data_file("bridge/meeting_forwarder.js")),
                       read_asset(core::data_file("bridge/media_bridge.js")),
                       read_asset(core::data_file("services/common.js")),
                       read_asset(adapter.script_path())};
    for (const auto& s : options.scripts)
        if (s.empty())
            return core::fail("a page script is missing under " +
                              core::data_dirs().scripts.string());
    options.bindings = {"__smgwSignal", "sipmediagwEvent"};
    options.viewport_width = kMeetingViewWidth;
    options.viewport_height = kMeetingViewHeight;
    return options;
}

std::optional<browser::SparePreload> spare_preload(const core::Config& config,
                                                   const services::Adapter& adapter) {
    const std::string url = adapter.preload_url();
    if (!config.browser.preload || url.empty()) return std::nullopt;
    auto page = meeting_page_options(meeting_page_settings(config.browser), adapter);
    if (!page) {
        spdlog::warn("gateway: spares are not pre-loaded: {}", page.error().message);
        return std::nullopt;
    }
    browser::SparePreload p;
    p.url = url;
    p.origin = adapter.permission_origin();
    p.page = std::move(*page);
    // The adapter's pre-join step, where it has one (the Janus demo: its Janus session and
    // plugin handle, not yet in a room). Bounded like a join.
    const uint32_t timeout_ms = config.service.join_timeout_s * 1000;
    p.prepare =
        "(window.sipmediagwAdapter && typeof window.sipmediagwAdapter.prejoin === "
        "'function') ? window.sipmediagwAdapter.prejoin(" +
        nlohmann::json{{"timeoutMs", timeout_ms}}.dump() + ") : {joinsInPlace: false}";
    p.timeout_ms = timeout_ms;
    return p;
}

}  // namespace gateway
