// The meeting benchmark (issue 4): CPU and memory of the gateway and its Chromium tree per
// two-way meeting call at 720p30 and 360p30 with 1 and 2 concurrent callers, next to a baseline
// measured in the same run (the same callers on the echo room: gateway media, no browser) and
// the reference's quoted cost; then INVITE → the caller's first frame decoded by an observer in
// the meeting, with a cold start per call (spares = 0) and with a warm pool (spares = 1); then
// glass-to-glass both ways and the A/V offset, through the gateway and for a browser publishing
// straight into Janus (glass_to_glass.cpp). Prints JSON on stdout; progress on stderr.
//
//   build/bench/meeting/meeting_bench [--codec H264|VP8] [--h264-callers room|mode0]
//                                     [--size-back same|sdp] [--source testsrc2|fakevideo]
//                                     [--window SECONDS] [--reps N] [--max-calls 1|2]
//                                     [--only cpu|latency|join|warm-join|g2g]
//                                     [--size 720p30|360p30]
//                                     [--demo-arg ARG]...  (e.g. --transcode, --config FILE)
//   build/bench/meeting/meeting_bench --targets-of RESULT.json   (issue 13's targets of a run)
//
// Everything runs in a private network namespace of its own (needs root), as the e2e tests:
// `sipmediagw demo --address 10.200.0.1` (Janus + demo page + gateway), an observer Chromium
// and baresip callers with fakevideo and a 440 Hz tone dialling sip:1234@127.0.0.1:5060.
#include "meeting_observer.hpp"
#include "meeting_scenarios.hpp"
#include "private_network.hpp"
#include "support/temp_dir.hpp"
#include "targets.hpp"

#include "core/control_loop.hpp"
#include "core/log.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

namespace {

double loadavg() {
    std::ifstream in("/proc/loadavg");
    double one = 0;
    in >> one;
    return one;
}

int usage() {
    std::cerr
        << "usage: meeting_bench [--codec H264|VP8] [--h264-callers room|mode0] "
           "[--size-back same|sdp] [--source testsrc2|fakevideo] "
           "[--window SECONDS] [--reps N] [--max-calls 1|2] "
           "[--only cpu|latency|join|warm-join|g2g] [--size 720p30|360p30] [--demo-arg ARG]...\n"
           "       meeting_bench --targets-of RESULT.json\n";
    return 2;
}

void print_targets(const nlohmann::json& targets) {
    for (const auto& line : bench::target_lines(targets))
        std::cerr << "meeting_bench: target " << line << "\n";
}

// Issue 13's targets read off this run (targets.cpp), on stdout with the rest and one line
// each on stderr.
int finish(nlohmann::json& out) {
    out["loadavg_1min_end"] = loadavg();
    out["targets"] = bench::targets(out);
    print_targets(out["targets"]);
    std::cout << out.dump(2) << std::endl;
    return 0;
}

// `--targets-of FILE`: the targets of a run saved earlier, as this version reads them.
int targets_of(const std::string& path) {
    std::ifstream in(path);
    auto out = nlohmann::json::parse(in, nullptr, false);
    if (!in || out.is_discarded() || !out.is_object()) {
        std::cerr << "meeting_bench: " << path << " is not a meeting_bench JSON result\n";
        return 1;
    }
    const auto t = bench::targets(out);
    print_targets(t);
    std::cout << t.dump(2) << std::endl;
    return 0;
}

}  // namespace

int run(int argc, char** argv);

int main(int argc, char** argv) {
    // A result file that is not what the bench wrote, or a bug, ends with its message.
    try {
        const int status = run(argc, argv);
        // The per-run root of the harness's temp dirs, once its dirs are gone (kept when not
        // empty).
        std::error_code ec;
        std::filesystem::remove(testsupport::temp_root(), ec);
        return status;
    } catch (const std::exception& e) {
        std::cerr << "meeting_bench: " << e.what() << "\n";
        return 1;
    }
}

int run(int argc, char** argv) {
    bench::BenchOptions options;
    std::string only;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--codec" && has_value) {
            options.codec = argv[++i];
        } else if (arg == "--h264-callers" && has_value) {
            options.h264_callers = argv[++i];
        } else if (arg == "--size-back" && has_value) {
            options.size_back = argv[++i];
        } else if (arg == "--source" && has_value) {
            options.source = argv[++i];
        } else if (arg == "--window" && has_value) {
            options.window = std::chrono::seconds(std::max(2, std::atoi(argv[++i])));
        } else if (arg == "--reps" && has_value) {
            options.reps = std::max(1, std::atoi(argv[++i]));
        } else if (arg == "--max-calls" && has_value) {
            options.max_calls = std::clamp(std::atoi(argv[++i]), 1, 2);
        } else if (arg == "--demo-arg" && has_value) {
            options.demo_args.emplace_back(argv[++i]);
        } else if (arg == "--size" && has_value) {
            options.size = argv[++i];
        } else if (arg == "--only" && has_value) {
            only = argv[++i];
        } else if (arg == "--targets-of" && has_value && argc == 3) {
            return targets_of(argv[++i]);
        } else {
            return usage();
        }
    }
    if (options.codec != "H264" && options.codec != "VP8") return usage();
    if (options.source != "testsrc2" && options.source != "fakevideo") return usage();
    if (options.h264_callers != "room" && options.h264_callers != "mode0") return usage();
    if (options.size_back != "same" && options.size_back != "sdp") return usage();
    if (!only.empty() && only != "cpu" && only != "latency" && only != "g2g" && only != "join" &&
        only != "warm-join")
        return usage();
    // "join": the join latencies alone (latency without glass-to-glass); "warm-join": the warm
    // ones alone (no cold demo: about half the time, for A/B runs of the warm join).
    const bool warm_only = only == "warm-join";
    const bool join_only = only == "join" || warm_only;
    if (join_only) only = "latency";
    // The glass-to-glass caller's FIFO writer must see EPIPE when baresip closes its end.
    std::signal(SIGPIPE, SIG_IGN);

    if (auto why = e2e::enter_private_network(); !why.empty()) {
        std::cerr << "meeting_bench: " << why << "\n";
        return 1;
    }
    core::log_init("error");
    core::LibreRuntime libre;
    core::ControlLoop loop;
    if (!libre.ok() || !loop.ok()) return 1;
    testsupport::TempDir dir("meeting-bench");

    nlohmann::json out{
        {"bench", "meeting"},
        {"codec", options.codec},
        {"caller_video_source", options.source},
        {"size_back", options.size_back},
        {"caller_h264_packetization_modes", options.codec != "H264"          ? ""
                                            : options.h264_callers == "room" ? "0,1"
                                                                             : "0"},
        {"window_s", options.window.count()},
        {"reps", options.reps},
        {"max_calls", options.max_calls},
        {"demo_args", options.demo_args},
        {"host_cores", std::thread::hardware_concurrency()},
        {"loadavg_1min_start", loadavg()},
        {"room",
         "every caller and the observer share Janus room 1234, the only room the demo's Janus "
         "has (its demo page cannot create one); so with 2 callers each gateway browser also "
         "receives the other caller, as in a real meeting"},
        {"reference_cores_per_call",
         {{"720p30", bench::kReferenceCores720p},
          {"360p30", bench::kReferenceCores360p},
          {"source", "SIPMediaGW (Xvfb + Chromium + ffmpeg per call), as quoted in DESIGN.md §6"}}},
    };

    // Cold pool first: its gateway tree holds only the calls' browsers (no idle spare), which
    // is what the CPU and memory per call should count.
    // --size-back same: the 360p cases on a demo of their own whose gateway sends 640x360.
    const bool own_360p_demo = options.size_back == "same" && options.size != "720p30";
    if (only != "g2g" && !warm_only &&
        !(only == "cpu" && own_360p_demo && options.size == "360p30")) {
        std::cerr << "meeting_bench: demo with spares=0\n";
        auto run = bench::DemoRun::start(loop, dir.path(), 0, options.demo_args);
        if (!run) {
            std::cerr << "meeting_bench: " << run.error().message << "\n";
            return 1;
        }
        if (only != "cpu") {
            auto cold = (*run)->latency(options, "cold");
            if (!cold) return (*run)->fail(cold.error());
            out["latency"]["cold_spares_0"] = *cold;
        }
        if (only != "latency" && !(own_360p_demo && options.size == "360p30")) {
            bench::BenchOptions first = options;
            if (own_360p_demo) first.size = "720p30";
            auto cpu = (*run)->cpu(first);
            if (!cpu) return (*run)->fail(cpu.error());
            out["idle"] = cpu->at("idle");
            out["cpu"] = cpu->at("results");
        }
        (*run)->stop();
    }
    if (only != "g2g" && only != "latency" && own_360p_demo) {
        bench::BenchOptions small = options;
        small.size = "360p30";
        auto config = bench::config_with_video_size(dir.path(), options.demo_args, 640, 360);
        if (!config) {
            std::cerr << "meeting_bench: " << config.error().message << "\n";
            return 1;
        }
        small.demo_args = *config;
        std::cerr << "meeting_bench: demo with spares=0, [media] video 640x360\n";
        auto run360 = bench::DemoRun::start(loop, dir.path(), 0, small.demo_args);
        if (!run360) {
            std::cerr << "meeting_bench: " << run360.error().message << "\n";
            return 1;
        }
        auto cpu = (*run360)->cpu(small);
        if (!cpu) return (*run360)->fail(cpu.error());
        if (!out.contains("idle")) out["idle"] = cpu->at("idle");
        if (!out.contains("cpu")) out["cpu"] = nlohmann::json::array();
        for (auto& row : cpu->at("results")) {
            row["demo_args"] = small.demo_args;
            out["cpu"].push_back(row);
        }
        (*run360)->stop();
    }
    if (only != "cpu") {
        std::cerr << "meeting_bench: demo with spares=1\n";
        // The observer also publishes flashes (the meeting → caller direction of glass-to-glass).
        auto run = bench::DemoRun::start(loop, dir.path(), 1, options.demo_args,
                                         bench::g2g_observer_scripts());
        if (!run) {
            std::cerr << "meeting_bench: " << run.error().message << "\n";
            return 1;
        }
        if (only != "g2g") {
            auto warm = (*run)->latency(options, "warm");
            if (!warm) return (*run)->fail(warm.error());
            out["latency"]["warm_spares_1"] = *warm;
        }
        if (join_only) {
            (*run)->stop();
            return finish(out);
        }
        auto g2g = (*run)->glass_to_glass(options);
        if (!g2g) return (*run)->fail(g2g.error());
        auto& latency = out["latency"];
        const auto& gw = (*g2g)["gateway"];
        latency["glass_to_glass_ms"] = gw["glass_to_glass_ms"];
        latency["glass_to_glass_back_ms"] = gw["glass_to_glass_back_ms"];
        latency["av_offset_ms"] = gw["av_offset_ms"];
        const auto& base = (*g2g)["baseline"];
        latency["baseline"] = {{"glass_to_glass_ms", base["glass_to_glass_ms"]},
                               {"glass_to_glass_back_ms", base["glass_to_glass_back_ms"]},
                               {"av_offset_ms", base["av_offset_ms"]}};
        latency["glass_to_glass_details"] = *g2g;
        (*run)->stop();
    }
    return finish(out);
}
