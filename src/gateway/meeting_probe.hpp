// `sipmediagw probe-meeting`: an operator's one-command check of a meeting server. A synthetic
// caller (media::SyntheticCaller: moving test pattern, 440 Hz tone) joins a room through the
// same MeetingLink a SIP call uses (browser pool, service adapter, media bridge, WebRTC link).
// Each step is logged and photographed (Page.captureScreenshot); media is judged from the
// page's own WebRTC stats and the gateway's link stats, never assumed. Ends with a JSON report.
#pragma once

#include "browser/pool.hpp"
#include "core/config.hpp"
#include "core/control_loop.hpp"
#include "core/result.hpp"
#include "gateway/meeting_link.hpp"
#include "media/synthetic_caller.hpp"
#include "services/adapter.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gateway {

// --service NAME against the configuration's services; empty: the default service. The one
// place that knows where services are listed (today the single [service] section).
core::Result<core::ServiceConfig> probe_service(const core::Config& config,
                                                const std::string& name);

struct ProbeOptions {
    core::Config config;  // config.service is the service probed (see probe_service())
    std::string room;
    uint32_t seconds = 20;  // stay in the meeting this long once joined
    // Once joined, media gets at least this long to show up both ways, whatever `seconds` says:
    // a real meeting may take a while to subscribe us to the others.
    uint32_t media_wait_s = 30;
    std::filesystem::path out_dir;  // screenshots and report.json; empty: none
};

// Steps, in the order a join goes through them; the first one not reached is the failing one.
inline constexpr std::string_view kProbeSteps[] = {
    "browser", "page_loaded", "prejoin_passed", "joined", "media_sent", "media_received", "left"};

class MeetingProbe {
public:
    MeetingProbe(ProbeOptions options, core::ControlLoop& loop);
    ~MeetingProbe();
    MeetingProbe(const MeetingProbe&) = delete;
    MeetingProbe& operator=(const MeetingProbe&) = delete;

    // Runs the probe; done once it left the meeting or failed, with the browser gone.
    void start(std::function<void()> done);
    // Stops early (a signal): leaves the meeting and ends as a failure.
    void interrupt(const std::string& cause);

    [[nodiscard]] bool passed() const;
    [[nodiscard]] nlohmann::json report() const;

private:
    struct Step {
        std::string name;
        int64_t t_ms = -1;  // since start; -1: not reached
        std::string screenshot;
        std::string detail;
    };

    void reached(std::string_view name, const std::string& detail = {});
    Step* step(std::string_view name);
    [[nodiscard]] int64_t elapsed_ms() const;
    [[nodiscard]] uint64_t media_wait_ms() const;
    // Captures the page into out_dir/<file>.png; then() runs once written or given up.
    void screenshot(const std::string& file, std::function<void(std::string path)> then);
    void on_joined();
    void poll();
    void check_media();
    void end_stay();
    void fail(const std::string& cause);
    void finish();

    ProbeOptions options_;
    core::ControlLoop& loop_;
    std::unique_ptr<services::Adapter> adapter_;
    std::unique_ptr<browser::Pool> pool_;
    std::unique_ptr<media::SyntheticCaller> caller_;
    std::unique_ptr<MeetingLink> link_;
    std::function<void()> done_;
    std::vector<Step> steps_;
    std::chrono::steady_clock::time_point started_at_;
    int64_t joined_ms_ = -1;
    core::Timer join_deadline_;
    core::Timer poll_timer_;
    core::Timer stay_deadline_;
    int screenshots_ = 0;
    bool polling_ = false;
    bool ending_ = false;
    bool finished_ = false;
    std::string failed_step_;
    std::string cause_;
    std::string end_of_stay_screenshot_;
    std::vector<std::string> notes_;  // waiting reasons, reconnects
    nlohmann::json page_stats_;
    nlohmann::json gateway_stats_;
    std::string session_id_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace gateway
