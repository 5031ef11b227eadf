// `sipmediagw demo` started by an e2e test in its private network namespace (Janus, the demo
// pages and the gateway), optionally from a configuration of the test's own, plus the checks
// every e2e test ends with: SIGTERM gives exit status 0, and every browser the gateway started
// (its pid and profile directory, from the log) is gone.
#pragma once

#include "core/result.hpp"
#include "support/program.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace e2e {

// Every browser a sipmediagw log says was started (`browser: started pid= profile=`, debug
// level) that still runs or left its profile directory after `timeout`; empty when none.
std::string browsers_left_in(const std::string& log, std::chrono::milliseconds timeout);

class DemoGateway {
public:
    // Runs `demo --config <dir>/demo.toml`: the example configuration, Chromium's output into
    // <dir>/chromium.log (E2E_CHROMIUM_VERBOSE=1: with its INFO log, page console included),
    // then `extra_toml` (sections the example does not have, e.g. "[service]\n...").
    static core::Result<DemoGateway> start(const std::filesystem::path& dir,
                                           const std::string& extra_toml = {});
    // Runs a `sipmediagw demo` command line of the test's own (another binary, behind a wrapper
    // such as setpriv) with `env` added, and waits until it is ready, as start() does.
    static core::Result<DemoGateway> start_command(const std::filesystem::path& dir,
                                                   std::vector<std::string> argv,
                                                   std::vector<std::string> env = {});

    [[nodiscard]] testsupport::Program& program() noexcept { return program_; }
    [[nodiscard]] const std::string& page_url() const noexcept { return page_url_; }
    // "http://10.200.0.1:8000"
    [[nodiscard]] std::string origin() const { return page_url_.substr(0, page_url_.find('/', 7)); }

    // SIGTERM; true when the gateway exited with status 0 within the timeout.
    bool terminate(std::chrono::milliseconds timeout = std::chrono::seconds(30));
    // Waits until every browser the log says the gateway started has exited and its profile
    // directory is gone; the message names what is left.
    [[nodiscard]] std::string browsers_left(std::chrono::milliseconds timeout) const;

private:
    testsupport::Program program_;
    std::string page_url_;
};

}  // namespace e2e
