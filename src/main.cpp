// The command line: `serve`, `demo`, `check-config` (DESIGN.md §8, docs/cli.md).
#include "core/config.hpp"
#include "core/log.hpp"
#include "gateway/version.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv) {
    CLI::App app{"sipmediagw: a SIP media gateway into web conferences"};
    app.set_version_flag("--version", std::string(gateway::version()));
    app.require_subcommand(1);

    std::string config_path;
    auto* check = app.add_subcommand("check-config", "Validate a configuration file and exit");
    check->add_option("file", config_path, "TOML configuration file")->required();

    CLI11_PARSE(app, argc, argv);

    core::log_init("info");
    if (check->parsed()) {
        auto cfg = core::load_config_file(config_path);
        if (!cfg) {
            std::cerr << cfg.error().message << "\n";
            return 1;
        }
        std::cout << config_path << ": ok\n";
        return 0;
    }
    return 2;
}
