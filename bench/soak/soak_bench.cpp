// The soak bench (issue 11): N echo calls, then M meeting calls, one after the other through
// `sipmediagw demo` (Janus + its demo page + the gateway), sampling what the gateway process
// holds after each call has ended and its browser has gone: RSS and PSS, open fds, threads, and
// the processes below it (the demo's Janus left out). JSON on stdout: every sample, and per
// phase the summary after the warm-up (slope per call, first/last/max) with a verdict per
// resource, "flat" or "grows X per call". Progress on stderr.
//
//   build/bench/soak/soak_bench [--echo N] [--meeting M] [--warmup K] [--hold SECONDS]
//                               [--spares S] [--source fakevideo|testsrc2] [--size WxH]
//                               [--codec H264|VP8] [--demo-arg ARG]...
//
// Needs root, as meeting_bench: it moves itself into a private network namespace
// (tests/e2e/private_network.cpp), because Janus will not do ICE on loopback.
#include "private_network.hpp"
#include "resource_sample.hpp"
#include "soak_summary.hpp"
#include "support/baresip_peer.hpp"
#include "support/program.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// Set by SIGINT/SIGTERM: a long run stops after the call in progress and still stops the demo,
// Janus and the caller it started (killing the bench outright left them running) and prints
// what it measured so far.
std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int /*signal*/) {
    g_interrupted = true;
}

struct Options {
    int echo = 1000;
    int meeting = 100;
    int warmup = -1;  // per phase; -1: a tenth of its calls, at most 20
    std::chrono::milliseconds hold{2000};
    int spares = 0;  // warm browsers; 0: every browser the tree holds belongs to a call
    std::vector<std::string> demo_args;
    // The caller's camera: baresip's fakevideo (flat frames, nearly free) or FFmpeg's testsrc2
    // (detailed, moving: real encoder and decoder work in the gateway's pipelines).
    std::string source = "fakevideo";
    int width = 352;
    int height = 288;
    std::string video_codecs;  // baresip's video_codecs; empty: all it has
};

int usage() {
    std::cerr << "usage: soak_bench [--echo N] [--meeting M] [--warmup K] [--hold SECONDS] "
                 "[--spares S] [--source fakevideo|testsrc2] [--size WxH] [--codec H264|VP8] "
                 "[--demo-arg ARG]...\n";
    return 2;
}

struct Phase {
    std::string name;
    std::string uri;
    std::regex up;  // the gateway's log says the call's media (or meeting) is up
    int calls;
};

class Soak {
public:
    Soak(testsupport::Program& gateway, testsupport::BaresipPeer& caller, const Options& options)
        : gateway_(gateway), caller_(caller), options_(options) {}

    // The tree before any call, settled: what every later sample should come back to.
    bool baseline() {
        baseline_ = settle(0);
        return true;
    }
    [[nodiscard]] const bench::ResourceSample& baseline_sample() const { return baseline_; }

    core::Result<nlohmann::json> run(const Phase& phase) {
        std::vector<bench::ResourceSample> samples;
        const auto t0 = SteadyClock::now();
        for (int i = 1; i <= phase.calls; ++i) {
            if (g_interrupted) {
                std::cerr << "soak_bench: interrupted after " << samples.size() << " " << phase.name
                          << " calls\n";
                break;
            }
            if (auto st = one_call(phase); !st) {
                return core::fail(phase.name + " call " + std::to_string(i) + ": " +
                                  st.error().message + "\n" + gateway_.tail(60));
            }
            ++calls_done_;
            samples.push_back(settle(calls_done_));
            const auto& s = samples.back();
            std::cerr << "soak_bench: " << phase.name << " " << i << "/" << phase.calls
                      << " rss=" << s.rss_mib << " pss=" << s.pss_mib << " anon=" << s.anon_mib
                      << " fds=" << s.fds << " threads=" << s.threads << " children=" << s.children
                      << std::endl;
        }
        const std::size_t warmup = options_.warmup >= 0
                                       ? static_cast<std::size_t>(options_.warmup)
                                       : static_cast<std::size_t>(std::min(20, phase.calls / 10));
        nlohmann::json out = bench::summarize(samples, warmup);
        if (g_interrupted) out["interrupted"] = true;
        out["uri"] = phase.uri;
        out["duration_s"] = std::chrono::duration<double>(SteadyClock::now() - t0).count();
        nlohmann::json list = nlohmann::json::array();
        for (const auto& s : samples) list.push_back(bench::to_json(s));
        out["samples"] = list;
        return out;
    }

private:
    core::Status one_call(const Phase& phase) {
        const std::size_t from = gateway_.log_size();
        if (auto st = caller_.dial(phase.uri); !st) return st;
        if (!gateway_.wait_for_log(phase.up, 120s, from)) return core::fail("not up");
        std::this_thread::sleep_for(options_.hold);  // the call's length: a bench parameter
        (void)caller_.ctrl().command("hangup");
        if (!gateway_.wait_for_log(std::regex("ended, 0 active"), 60s, from))
            return core::fail("did not end");
        if (!caller_.wait_closed(30s)) return core::fail("the caller's call did not close");
        return core::Ok{};
    }

    // Samples until the tree is back to the baseline's process count and two samples in a row
    // agree (threads and browsers exit a little after the call's end), or 30 s pass.
    bench::ResourceSample settle(uint64_t call) {
        bench::ResourceSample last = bench::sample_process(gateway_.pid(), "janus");
        const auto deadline = SteadyClock::now() + 30s;
        while (SteadyClock::now() < deadline) {
            std::this_thread::sleep_for(250ms);
            const bench::ResourceSample now = bench::sample_process(gateway_.pid(), "janus");
            const bool steady =
                now.fds == last.fds && now.threads == last.threads && now.children == last.children;
            last = now;
            if (steady && (call == 0 || now.children <= baseline_.children)) break;
        }
        last.call = call;
        return last;
    }

    testsupport::Program& gateway_;
    testsupport::BaresipPeer& caller_;
    const Options& options_;
    bench::ResourceSample baseline_;
    uint64_t calls_done_ = 0;
};

int run(const Options& options) {
    if (auto why = e2e::enter_private_network(); !why.empty()) {
        std::cerr << "soak_bench: " << why << "\n";
        return 1;
    }
    testsupport::TempDir dir("soak-bench");
    std::vector<std::string> argv{
        SOAK_BENCH_SIPMEDIAGW, "demo",     "--address",
        e2e::kMeetingAddress,  "--spares", std::to_string(options.spares)};
    argv.insert(argv.end(), options.demo_args.begin(), options.demo_args.end());
    auto gw = testsupport::Program::start("sipmediagw-demo", argv, dir.path());
    if (!gw) {
        std::cerr << "soak_bench: " << gw.error().message << "\n";
        return 1;
    }
    if (!gw->wait_for_log(std::regex("sipmediagw: ready"), 120s)) {
        std::cerr << "soak_bench: demo not ready\n" << gw->tail();
        return 1;
    }
    if (options.spares > 0 && !gw->wait_for_log(std::regex("browser: ready pid="), 120s)) {
        std::cerr << "soak_bench: no warm browser\n" << gw->tail();
        return 1;
    }
    testsupport::BaresipOptions bo;
    bo.name = "soak-caller";
    bo.user = "soak";
    bo.video_width = options.width;
    bo.video_height = options.height;
    bo.video_codecs = options.video_codecs;
    if (options.source == "testsrc2") {
        bo.video_fps = 30;
        bo.video_bitrate = 2000000;
        bo.video_source = "avformat,lavfi,testsrc2=size=" + std::to_string(options.width) + "x" +
                          std::to_string(options.height) + ":rate=30";
    }
    auto caller = testsupport::BaresipPeer::start(dir.path(), bo);
    if (!caller) {
        std::cerr << "soak_bench: " << caller.error().message << "\n";
        return 1;
    }
    Soak soak(*gw, **caller, options);
    soak.baseline();
    const std::vector<Phase> phases = {
        {"echo", "sip:echo@127.0.0.1:5060", std::regex("video echo "), options.echo},
        {"meeting", "sip:1234@127.0.0.1:5060", std::regex("state joining -> in_call"),
         options.meeting},
    };
    nlohmann::json out{
        {"bench", "soak"},
        {"hold_s", std::chrono::duration<double>(options.hold).count()},
        {"spares", options.spares},
        {"demo_args", options.demo_args},
        {"host_cores", std::thread::hardware_concurrency()},
        {"caller",
         {{"source", options.source},
          {"size", std::to_string(options.width) + "x" + std::to_string(options.height)},
          {"video_codecs",
           options.video_codecs.empty() ? "baresip's default" : options.video_codecs},
          {"audio", "440 Hz tone, codec as negotiated"}}},
        {"before_any_call", bench::to_json(soak.baseline_sample())}};
    for (const auto& phase : phases) {
        if (phase.calls <= 0 || g_interrupted) continue;
        auto r = soak.run(phase);
        if (!r) {
            std::cerr << "soak_bench: " << r.error().message << "\n";
            gw->stop(15s);
            return 1;
        }
        out[phase.name] = *r;
    }
    caller->reset();
    gw->stop(15s);
    std::cout << out.dump(2) << std::endl;
    return 0;
}

}  // namespace

namespace {

int parse_and_run(int argc, char** argv) {
    Options options;
    (void)std::signal(SIGINT, on_interrupt);
    (void)std::signal(SIGTERM, on_interrupt);
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--echo" && has_value) {
            options.echo = std::max(0, std::atoi(argv[++i]));
        } else if (arg == "--meeting" && has_value) {
            options.meeting = std::max(0, std::atoi(argv[++i]));
        } else if (arg == "--warmup" && has_value) {
            options.warmup = std::max(0, std::atoi(argv[++i]));
        } else if (arg == "--hold" && has_value) {
            options.hold = std::chrono::milliseconds(
                static_cast<int64_t>(std::max(0.0, std::atof(argv[++i])) * 1000));
        } else if (arg == "--spares" && has_value) {
            options.spares = std::max(0, std::atoi(argv[++i]));
        } else if (arg == "--source" && has_value) {
            options.source = argv[++i];
            if (options.source != "fakevideo" && options.source != "testsrc2") return usage();
        } else if (arg == "--size" && has_value) {
            if (std::sscanf(argv[++i], "%dx%d", &options.width, &options.height) != 2 ||
                options.width <= 0 || options.height <= 0)
                return usage();
        } else if (arg == "--codec" && has_value) {
            options.video_codecs = argv[++i];
        } else if (arg == "--demo-arg" && has_value) {
            options.demo_args.emplace_back(argv[++i]);
        } else {
            return usage();
        }
    }
    const int status = run(options);
    std::error_code ec;
    std::filesystem::remove(testsupport::temp_root(), ec);
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return parse_and_run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "soak_bench: " << e.what() << "\n";
        return 1;
    }
}
