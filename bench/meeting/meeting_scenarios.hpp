// One `sipmediagw demo` with its observer, and what the meeting benchmark measures against it:
// CPU/memory windows (meeting calls and the echo baseline) and INVITE → first-frame latency.
#pragma once

#include "meeting_observer.hpp"
#include "support/baresip_peer.hpp"
#include "support/program.hpp"

#include "core/control_loop.hpp"
#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace bench {

class RtpTap;
struct FlashSent;

// The reference (SIPMediaGW) per two-way call, as quoted in DESIGN.md §6: a constant, not
// something this machine can run.
inline constexpr double kReferenceCores720p = 4.0;
inline constexpr double kReferenceCores360p = 2.5;

inline constexpr const char* kMeetingUri = "sip:1234@127.0.0.1:5060";

struct BenchOptions {
    std::string codec = "H264";  // the callers' video codec
    // H.264 callers: "room" offers packetization-mode 0 and 1 (as Cisco and Poly room systems
    // do; the gateway answers mode 1, so the page can forward the meeting's video to the caller
    // encoded), "mode0" mode 0 alone (baresip's video_codecs=H264; the callers before issue 13's
    // eighth session).
    std::string h264_callers = "room";
    // The size the gateway sends each caller back: "same" runs each size's CPU cases on a demo
    // whose [media] video_width/height is that size (the caller gets back what it sends, as a
    // room system sending 360p asks for); "sdp" one demo at the gateway's 1280x720, which is
    // all baresip's SDP says for every size (avcodec: level 3.1, no max-fs or imageattr).
    std::string size_back = "same";
    // The callers' camera: "testsrc2" (FFmpeg's moving test pattern through baresip's avformat)
    // or "fakevideo" (flat colour frames: nearly free to encode and decode, so unrealistic).
    std::string source = "testsrc2";
    std::chrono::seconds window{20};
    int reps = 3;
    int max_calls = 2;  // CPU cases with 1..max_calls concurrent callers
    std::string size;   // CPU cases at this size only ("720p30"); "": every size
    // More `sipmediagw demo` arguments, e.g. --transcode or --config FILE (to compare settings
    // such as [browser] meeting_video in one build).
    std::vector<std::string> demo_args;
};

// The observer's scripts for glass_to_glass(): flash_probe.js, publishing flashes half a period
// after the callers' (the meeting → caller direction) and timestamping what it receives.
std::vector<std::string> g2g_observer_scripts();

// `demo_args` with its `--config FILE` (or, without one, the example configuration the demo
// takes by default) replaced by a copy in `dir` whose [media] video_width/height are w x h.
core::Result<std::vector<std::string>> config_with_video_size(
    const std::filesystem::path& dir, const std::vector<std::string>& demo_args, int width,
    int height);

struct VideoSize {
    std::string label;
    int width;
    int height;
    int bitrate;  // what baresip is told to send, bit/s
};

class DemoRun {
public:
    // Starts the demo with `spares` warm browsers and joins the observer to room 1234, with
    // `observer_scripts` injected into its page after the usual ones.
    static core::Result<std::unique_ptr<DemoRun>> start(
        core::ControlLoop& loop, const std::filesystem::path& dir, int spares,
        const std::vector<std::string>& demo_args,
        const std::vector<std::string>& observer_scripts = {});
    DemoRun(core::ControlLoop& loop, std::filesystem::path dir)
        : loop_(loop), dir_(std::move(dir)) {}

    // {"idle": {...}, "results": [...]} for 720p30 and 360p30, 1 and 2 calls, meeting and echo.
    core::Result<nlohmann::json> cpu(const BenchOptions& options);
    // INVITE → first frame at the observer, options.reps times, one caller at 720p30.
    core::Result<nlohmann::json> latency(const BenchOptions& options, const std::string& label);
    // Glass-to-glass both ways and the A/V offset, through the gateway and for a browser
    // publishing straight into Janus (glass_to_glass.cpp). Needs an observer started with
    // g2g_observer_scripts().
    core::Result<nlohmann::json> glass_to_glass(const BenchOptions& options);

    // Prints what went wrong with the gateway's log tail; returns the exit status.
    int fail(const core::Error& error);
    void stop();

private:
    using Callers = std::vector<std::unique_ptr<testsupport::BaresipPeer>>;

    core::Result<Callers> start_callers(int count, const VideoSize& size,
                                        const BenchOptions& options);
    core::Status hang_up(Callers& callers, std::size_t log_from);
    core::Result<nlohmann::json> measure(const Callers& callers, std::chrono::seconds window,
                                         int calls);
    core::Result<nlohmann::json> meeting_case(const VideoSize& size, int calls,
                                              const BenchOptions& options);
    core::Result<nlohmann::json> echo_case(const VideoSize& size, int calls,
                                           const BenchOptions& options);
    // host_memory_out (not null): also what the host holds once the call is up and the pool has its
    // spare again (the first warm call only: it waits for the refill).
    core::Result<nlohmann::json> latency_once(const BenchOptions& options,
                                              nlohmann::json* host_memory_out);
    // Waits until the warm pool has a spare ready (pre-loaded, with [browser] preload).
    core::Status pool_refilled();
    // PSS of the gateway's Chromium processes with no call: the idle spare(s).
    nlohmann::json idle_spare_memory();
    // PSS of the gateway process and its Chromium processes (Janus left out) as they are now.
    nlohmann::json host_memory();
    // Remote video feeds the observer plays now (null-free array of first_frame.js records).
    nlohmann::json live_feeds();
    core::Result<nlohmann::json> g2g_baseline(const BenchOptions& options);
    core::Result<nlohmann::json> g2g_gateway(const BenchOptions& options);
    // Where a flash was on each hop of its way, both directions (the tap sees every flow on lo).
    nlohmann::json flash_hops(const RtpTap& tap, pid_t caller,
                              const std::vector<FlashSent>& caller_sent,
                              const nlohmann::json& observer_sent);
    bool wait_log_count(const std::string& pattern, std::size_t count, std::size_t from,
                        std::chrono::milliseconds timeout);

    core::ControlLoop& loop_;
    std::filesystem::path dir_;
    int spares_ = 0;
    testsupport::Program gateway_;
    std::string page_url_;
    std::unique_ptr<MeetingObserver> observer_;
    int caller_serial_ = 0;
};

}  // namespace bench
