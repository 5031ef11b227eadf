// The command line: `serve`, `demo`, `check-config`, `probe-meeting` (DESIGN.md §8, docs/cli.md).
#include "api/gateway_api.hpp"
#include "api/http_server.hpp"
#include "browser/chromium.hpp"
#include "core/allocator.hpp"
#include "core/config.hpp"
#include "core/control_loop.hpp"
#include "core/data_dir.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "core/tls_trust.hpp"
#include "gateway/demo_environment.hpp"
#include "gateway/gateway.hpp"
#include "gateway/gateway_control.hpp"
#include "gateway/meeting_probe.hpp"
#include "gateway/version.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <unistd.h>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <thread>

namespace {

// Waits this long for BYEs and un-REGISTERs to be answered before closing hard (issue 2:
// exit within ~3 s of SIGTERM).
constexpr uint64_t kShutdownGraceMs = 2500;
// Few malloc arenas: calls' media threads otherwise each keep one full of freed memory
// (core/allocator.hpp has the measurements).
constexpr int kMallocArenas = 4;

// Runs on the control loop before the gateway starts (the demo starts its Janus here) and may
// adjust the configuration.
using Prepare = std::function<core::Status(core::Config&)>;

// The --data-dir flag, which wins over [paths] data_dir.
std::string g_data_dir_flag;  // NOLINT: set once by the command line, before anything runs

std::filesystem::path self_exe() {
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::filesystem::path() : exe;
}

core::Result<core::DataDirs> find_data_dirs(const std::string& configured) {
    return core::find_data_dirs(g_data_dir_flag.empty() ? configured : g_data_dir_flag, self_exe());
}

// Before any call can want a page script or a prompt: all of them must be there, so a broken
// install stops at start with the file's name rather than failing calls one by one later.
core::Status use_data_dir(const core::Config& cfg) {
    auto dirs = find_data_dirs(cfg.paths.data_dir);
    if (!dirs) return dirs.error();
    if (auto st = core::check_data_dirs(*dirs); !st) return st;
    spdlog::info("sipmediagw: data dir={} prompts={} ({})", dirs->scripts.string(),
                 dirs->prompts.string(), dirs->origin);
    core::set_data_dirs(std::move(*dirs));
    return core::Ok{};
}

int serve(const std::string& config_path, const std::string& log_level_override,
          const Prepare& prepare = {}) {
    auto cfg = core::load_config_file(config_path);
    if (!cfg) {
        std::cerr << cfg.error().message << "\n";
        return 1;
    }
    core::log_init(log_level_override.empty() ? cfg->log_level : log_level_override);
    if (auto st = use_data_dir(*cfg); !st) {
        spdlog::error("{}", st.error().message);
        return 1;
    }
    core::set_tls_trust({cfg->sip.tls_ca_file, cfg->sip.tls_verify});
    if (!cfg->sip.tls_verify)
        spdlog::warn(
            "sipmediagw: sip.tls_verify = false: TLS peers (SIP registrar and dial-out, "
            "conference mapper, service look-ups) are not verified; anyone on the path can "
            "answer for them");
    (void)browser::warn_if_unsandboxed(::geteuid());
    core::LibreRuntime libre;
    if (!libre.ok()) {
        spdlog::error("core: libre_init failed");
        return 1;
    }
    core::ControlLoop loop;
    if (!loop.ok()) return 1;
    if (prepare) {
        if (auto st = prepare(*cfg); !st) {
            spdlog::error("{}", st.error().message);
            return 1;
        }
    }
    const uint32_t slots = cfg->call_slots(std::thread::hardware_concurrency());
    auto gw = gateway::Gateway::create(*cfg, loop, slots);
    if (!gw) {
        spdlog::error("{}", gw.error().message);
        return 1;
    }
    // The HTTP API, when [api] listen is set (docs/api.md).
    gateway::GatewayControl control(**gw, *cfg);
    api::GatewayApi routes(control, cfg->api.token, cfg->api.allowed_hosts);
    api::HttpServer http;
    if (!cfg->api.listen.empty()) {
        auto st = http.listen(cfg->api.listen, [&routes](const api::HttpRequest& request) {
            auto response = routes.handle(request);
            if (response.status >= 400) {
                std::string_view body = response.body;
                while (!body.empty() && body.back() == '\n') body.remove_suffix(1);
                spdlog::info("api: {} {} -> {} peer={} body={}", core::log_field(request.method),
                             core::log_field(request.path), response.status, request.peer,
                             core::log_field(body));
            }
            return response;
        });
        if (!st) {
            spdlog::error("{}", st.error().message);
            return 1;
        }
        spdlog::info("api: listening on http://{} auth={}", http.local_address(),
                     cfg->api.token.empty() ? "none" : "bearer");
    }
    const std::string ready = (*gw)->ready_line();
    spdlog::info("{}", ready);
    std::printf("%s\n", ready.c_str());
    std::fflush(stdout);

    core::Timer grace;
    bool stopping = false;
    const int err = loop.run([&](int sig) {
        if (stopping) return;  // a second signal while we wait changes nothing
        stopping = true;
        spdlog::info("sipmediagw: signal {} received, shutting down ({} active calls)", sig,
                     (*gw)->active_sessions());
        (*gw)->shutdown(false, [&loop] { loop.stop(); });
        grace.start(kShutdownGraceMs, [&] {
            spdlog::warn("sipmediagw: shutdown grace period over, closing now");
            loop.stop();
        });
    });
    grace.cancel();
    gw->reset();
    spdlog::info("sipmediagw: stopped");
    return err == 0 || stopping ? 0 : 1;
}

struct ProbeArgs {
    std::string config_path;
    std::string service;
    std::string base_url;
    std::string room;
    uint32_t seconds = 20;
    uint32_t media_wait = 30;
    std::string out_dir;
};

// `probe-meeting`: exit 0 only when the synthetic caller joined and media flowed both ways; the
// JSON report goes to stdout, the steps to stderr as log lines (docs/cli.md).
int probe_meeting(const ProbeArgs& args, const std::string& log_level_override) {
    core::Config cfg;  // no file: the built-in defaults (the local Janus demo page)
    if (!args.config_path.empty()) {
        auto loaded = core::load_config_file(args.config_path);
        if (!loaded) {
            std::cerr << loaded.error().message << "\n";
            return 2;
        }
        cfg = std::move(*loaded);
    }
    core::log_init(log_level_override.empty() ? cfg.log_level : log_level_override);
    if (auto st = use_data_dir(cfg); !st) {
        spdlog::error("{}", st.error().message);
        return 2;
    }
    auto service = gateway::probe_service(cfg, args.service);
    if (!service) {
        spdlog::error("{}", service.error().message);
        return 2;
    }
    cfg.service = std::move(*service);
    if (!args.base_url.empty()) cfg.service.base_url = args.base_url;
    core::LibreRuntime libre;
    if (!libre.ok()) {
        spdlog::error("core: libre_init failed");
        return 1;
    }
    core::ControlLoop loop;
    if (!loop.ok()) return 1;
    gateway::ProbeOptions options;
    options.config = std::move(cfg);
    options.room = args.room;
    options.seconds = args.seconds;
    options.media_wait_s = args.media_wait;
    options.out_dir = args.out_dir;
    gateway::MeetingProbe probe(std::move(options), loop);
    probe.start([&loop] { loop.stop(); });
    (void)loop.run([&probe](int sig) { probe.interrupt(fmt::format("signal {}", sig)); });
    std::printf("%s\n", probe.report().dump(2).c_str());
    std::fflush(stdout);
    return probe.passed() ? 0 : 1;
}

}  // namespace

namespace {

int run(int argc, char** argv) {
    core::limit_malloc_arenas(kMallocArenas);
    core::fix_mmap_threshold(core::kMmapThresholdBytes);
    CLI::App app{"sipmediagw: a SIP media gateway into web conferences"};
    app.set_version_flag("--version", std::string(gateway::version()));
    app.require_subcommand(1);
    app.fallthrough();  // --log-level may also follow the subcommand
    std::string log_level;
    app.add_option("--log-level", log_level, "trace, debug, info, warn or error")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
    app.add_option("--data-dir", g_data_dir_flag,
                   "directory of the page scripts and prompts (default: [paths] data_dir, else "
                   "<prefix>/share/sipmediagw next to the binary, else the build tree)");

    std::string config_path;
    auto* check = app.add_subcommand("check-config", "Validate a configuration file and exit");
    check->add_option("file", config_path, "TOML configuration file")->required();

    std::string serve_config;
    auto* serve_cmd = app.add_subcommand("serve", "Run the gateway daemon");
    serve_cmd->add_option("--config,-c", serve_config, "TOML configuration file")->required();

    auto* demo = app.add_subcommand(
        "demo",
        "Run a local Janus VideoRoom with its demo pages and the gateway joining it (call "
        "sip:1234@127.0.0.1:5060)");
    std::string demo_address;
    demo->add_option("--address", demo_address,
                     "IPv4 address for Janus, the pages and SIP (default: the first "
                     "non-loopback interface)");
    // Benchmarks compare a warm pool with cold starts without writing a configuration file.
    int demo_spares = -1;  // -1: keep the configuration's value
    demo->add_option("--spares", demo_spares,
                     "warm browsers kept ready ([browser] spares; default from the example "
                     "configuration: 1)")
        ->check(CLI::Range(0, 64));
    // Everything the demo does not override (lifecycle timeouts, browser flags, DTMF keys)
    // comes from this file, so tests and people can try settings against a real meeting.
    std::string demo_config;
    demo->add_option("--config,-c", demo_config,
                     "TOML configuration to start from (default: the example configuration, "
                     "sipmediagw.example.toml in the data directory)");
    bool demo_transcode = false;
    demo->add_flag("--transcode", demo_transcode,
                   "Always decode and encode video (media.video_passthrough = false), e.g. to "
                   "compare CPU with passthrough");

    auto* probe = app.add_subcommand(
        "probe-meeting",
        "Join a room as a synthetic caller (test pattern, 440 Hz tone), check that media flows "
        "both ways, leave, and print a JSON report (exit 0 only if it all worked)");
    ProbeArgs probe_args;
    probe->add_option("--config,-c", probe_args.config_path,
                      "TOML configuration (default: built-in defaults, the local Janus demo page)");
    probe->add_option("--service", probe_args.service,
                      "service to probe, by name (default: the configuration's default service)");
    probe->add_option("--base-url", probe_args.base_url, "override the service's base_url");
    probe->add_option("--room", probe_args.room, "room to join")->required();
    probe->add_option("--seconds", probe_args.seconds, "stay this long once joined (default 20)")
        ->check(CLI::Range(1, 3600));
    probe
        ->add_option("--media-wait", probe_args.media_wait,
                     "once joined, give media this many seconds to flow both ways (default 30)")
        ->check(CLI::Range(1, 3600));
    probe->add_option("--out", probe_args.out_dir,
                      "directory for a PNG screenshot per step and report.json");

    CLI11_PARSE(app, argc, argv);

    core::log_init(log_level.empty() ? "info" : log_level);
    if (check->parsed()) {
        auto cfg = core::load_config_file(config_path);
        if (!cfg) {
            std::cerr << cfg.error().message << "\n";
            return 1;
        }
        if (auto st = use_data_dir(*cfg); !st) {
            std::cerr << st.error().message << "\n";
            return 1;
        }
        std::cout << config_path << ": ok\n";
        return 0;
    }
    if (serve_cmd->parsed()) return serve(serve_config, log_level);
    if (probe->parsed()) return probe_meeting(probe_args, log_level);
    if (demo->parsed()) {
        if (demo_config.empty()) {
            auto dirs = find_data_dirs({});
            if (!dirs) {
                std::cerr << dirs.error().message << "\n";
                return 1;
            }
            demo_config = dirs->example_config.string();
        }
        // Destroyed after the gateway (serve returns), which stops Janus and the page server.
        std::unique_ptr<gateway::DemoEnvironment> env;
        auto prepare = [&](core::Config& cfg) -> core::Status {
            gateway::DemoOptions options;
            options.address = demo_address;
            auto started = gateway::DemoEnvironment::start(options);
            if (!started) return started.error();
            env = std::move(*started);
            const std::string address = env->interface().address;
            std::string page = env->page_url();
            cfg.services.clear();  // the demo serves its own Janus only, whatever --config says
            cfg.service.name = "janus";
            cfg.service.kind = "janus";
            cfg.service.base_url = page.substr(0, page.find('?'));  // the adapter adds the room
            cfg.sip.listen = {{"udp", "127.0.0.1", 5060},
                              {"tcp", "127.0.0.1", 5060},
                              {"udp", address, 5060},
                              {"tcp", address, 5060}};
            // The demo pages are plain http on a non-loopback address: an insecure context has
            // no getUserMedia, so the gateway's browsers treat this one origin as secure.
            cfg.browser.extra_flags.push_back(
                "--unsafely-treat-insecure-origin-as-secure=" +
                cfg.service.base_url.substr(0, cfg.service.base_url.find('/', 7)));
            // Phones on the network reach our RTP on the host's address; local callers too.
            cfg.media.address = address;
            if (demo_spares >= 0) cfg.browser.spares = static_cast<uint32_t>(demo_spares);
            if (demo_transcode) cfg.media.video_passthrough = false;
            std::printf("sipmediagw demo: meeting page %s\n", page.c_str());
            std::printf("sipmediagw demo: call sip:1234@%s (or sip:1234@127.0.0.1)\n",
                        address.c_str());
            std::printf("sipmediagw demo: janus api %s\n", env->janus_url().c_str());
            std::fflush(stdout);
            return core::Ok{};
        };
        return serve(demo_config, log_level, prepare);
    }
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    // Errors are reported as values; an exception here is a bug, said once, not a core dump.
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sipmediagw: fatal: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "sipmediagw: fatal: unknown exception\n");
    }
    return 70;  // EX_SOFTWARE
}
