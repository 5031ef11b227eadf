// What a meeting page is made of (the media bridge and its settings, the adapter's script, the
// bindings), for the call's own page and for the page a spare pre-loads before any call: both
// must be the same page, or the call would join in a page the gateway does not drive.
#pragma once

#include "browser/pool.hpp"
#include "core/config.hpp"
#include "core/result.hpp"
#include "services/adapter.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace gateway {

// The page's view: the caller's video as the meeting sees it, and what tab capture sends back
// to the caller.
inline constexpr uint32_t kMeetingViewWidth = 1280;
inline constexpr uint32_t kMeetingViewHeight = 720;

struct MeetingPageSettings {
    std::string video = "compositor";  // [browser] meeting_video
    std::string layout = "speaker";    // [browser] meeting_layout
    bool forward_encoded_video = false;
    bool forward_encoded_meeting_video = false;  // [browser] forward_encoded_meeting_video
};

// The text of a file the gateway ships (a script, a WAV), empty when it cannot be read.
std::string read_asset(const std::string& path);

MeetingPageSettings meeting_page_settings(const core::BrowserConfig& config);

// The page's scripts (in injection order) and bindings; an error names a missing script.
core::Result<browser::PageOptions> meeting_page_options(const MeetingPageSettings& settings,
                                                        const services::Adapter& adapter);

// The pre-load every spare runs for `adapter` (the default service's), or nothing when the
// adapter has no page to pre-load or its scripts are missing (logged).
std::optional<browser::SparePreload> spare_preload(const core::Config& config,
                                                   const services::Adapter& adapter);

}  // namespace gateway
