// The command line: `serve`, `demo`, `check-config` (DESIGN.md §8, docs/cli.md).
#include "api/gateway_api.hpp"
#include "api/http_server.hpp"
#include "core/config.hpp"
#include "core/control_loop.hpp"
#include "core/log.hpp"
#include "gateway/gateway.hpp"
#include "gateway/gateway_control.hpp"
#include "gateway/version.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

namespace {

// Waits this long for BYEs and un-REGISTERs to be answered before closing hard (issue 2:
// exit within ~3 s of SIGTERM).
constexpr uint64_t kShutdownGraceMs = 2500;

int serve(const std::string& config_path, const std::string& log_level_override) {
    auto cfg = core::load_config_file(config_path);
    if (!cfg) {
        std::cerr << cfg.error().message << "\n";
        return 1;
    }
    core::log_init(log_level_override.empty() ? cfg->log_level : log_level_override);
    core::LibreRuntime libre;
    if (!libre.ok()) {
        spdlog::error("core: libre_init failed");
        return 1;
    }
    core::ControlLoop loop;
    if (!loop.ok()) return 1;
    const uint32_t slots = cfg->call_slots(std::thread::hardware_concurrency());
    auto gw = gateway::Gateway::create(*cfg, loop, slots);
    if (!gw) {
        spdlog::error("{}", gw.error().message);
        return 1;
    }
    // The HTTP API, when [api] listen is set (docs/api.md).
    gateway::GatewayControl control(**gw, *cfg);
    api::GatewayApi routes(control, cfg->api.token);
    api::HttpServer http;
    if (!cfg->api.listen.empty()) {
        auto st = http.listen(cfg->api.listen, [&routes](const api::HttpRequest& request) {
            auto response = routes.handle(request);
            if (response.status >= 400) {
                std::string_view body = response.body;
                while (!body.empty() && body.back() == '\n') body.remove_suffix(1);
                spdlog::info("api: {} {} -> {} peer={} body={}", request.method, request.path,
                             response.status, request.peer, body);
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

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"sipmediagw: a SIP media gateway into web conferences"};
    app.set_version_flag("--version", std::string(gateway::version()));
    app.require_subcommand(1);
    app.fallthrough();  // --log-level may also follow the subcommand
    std::string log_level;
    app.add_option("--log-level", log_level, "trace, debug, info, warn or error")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));

    std::string config_path;
    auto* check = app.add_subcommand("check-config", "Validate a configuration file and exit");
    check->add_option("file", config_path, "TOML configuration file")->required();

    std::string serve_config;
    auto* serve_cmd = app.add_subcommand("serve", "Run the gateway daemon");
    serve_cmd->add_option("--config,-c", serve_config, "TOML configuration file")->required();

    auto* demo = app.add_subcommand(
        "demo", "Run the gateway with the example configuration (direct calls on 127.0.0.1:5060)");

    CLI11_PARSE(app, argc, argv);

    core::log_init(log_level.empty() ? "info" : log_level);
    if (check->parsed()) {
        auto cfg = core::load_config_file(config_path);
        if (!cfg) {
            std::cerr << cfg.error().message << "\n";
            return 1;
        }
        std::cout << config_path << ": ok\n";
        return 0;
    }
    if (serve_cmd->parsed()) return serve(serve_config, log_level);
    if (demo->parsed()) {
        const std::string example = SIPMEDIAGW_EXAMPLE_CONFIG;
        std::cout << "sipmediagw demo: call sip:echo@127.0.0.1:5060 (or sip:<room>@127.0.0.1)\n";
        return serve(example, log_level);
    }
    return 2;
}
