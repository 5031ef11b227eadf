#include "demo_gateway.hpp"

#include "private_network.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

#include <sys/types.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

namespace e2e {

using namespace std::chrono_literals;

namespace {

std::string read_config(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

core::Result<DemoGateway> DemoGateway::start(const std::filesystem::path& dir,
                                             const std::string& extra_toml) {
    // The demo's own starting point, plus Chromium's output kept next to the gateway's log
    // (a failing test keeps both), plus what the test adds.
    std::string toml = read_config(SIPMEDIAGW_EXAMPLE_CONFIG_FILE);
    toml += "\n[browser]\nlog_file = \"" + (dir / "chromium.log").string() + "\"\n";
    if (std::getenv("E2E_CHROMIUM_VERBOSE") != nullptr)
        toml += "extra_flags = [\"--enable-logging=stderr\", \"--log-level=0\"]\n";
    toml += extra_toml;
    const auto path = dir / "demo.toml";
    testsupport::write_file(path, toml);
    return start_command(dir, {SIPMEDIAGW_BINARY, "demo", "--address", kMeetingAddress,
                               "--log-level", "debug", "--config", path.string()});
}

core::Result<DemoGateway> DemoGateway::start_command(const std::filesystem::path& dir,
                                                     std::vector<std::string> argv,
                                                     std::vector<std::string> env) {
    auto p = testsupport::Program::start("sipmediagw-demo", std::move(argv), dir, std::move(env));
    if (!p) return p.error();
    DemoGateway gw;
    gw.program_ = std::move(*p);
    if (!gw.program_.wait_for_log(std::regex("sipmediagw: ready"), 60s))
        return core::fail("the demo did not get ready:\n" + gw.program_.tail());
    std::smatch m;
    const std::string log = gw.program_.log();
    if (!std::regex_search(log, m, std::regex("meeting page (http://\\S+)")))
        return core::fail("the demo printed no meeting page:\n" + gw.program_.tail());
    gw.page_url_ = m[1];
    return gw;
}

bool DemoGateway::terminate(std::chrono::milliseconds timeout) {
    program_.signal(SIGTERM);
    if (!program_.wait_exit(timeout)) return false;
    return program_.exit_code() == 0;
}

std::string DemoGateway::browsers_left(std::chrono::milliseconds timeout) const {
    return browsers_left_in(program_.log(), timeout);
}

std::string browsers_left_in(const std::string& log, std::chrono::milliseconds timeout) {
    struct Started {
        pid_t pid;
        std::string profile;
    };
    std::vector<Started> started;
    const std::regex re("browser: started pid=(\\d+) profile=(\\S+)");
    for (auto it = std::sregex_iterator(log.begin(), log.end(), re); it != std::sregex_iterator();
         ++it)
        started.push_back({std::stoi((*it)[1]), (*it)[2]});
    if (started.empty()) return "the log names no browser (log format changed?)";
    std::string left;
    testsupport::wait_until(
        [&] {
            left.clear();
            for (const auto& s : started) {
                // A pid could be reused by now; only a process still using the profile counts.
                std::ifstream cmdline("/proc/" + std::to_string(s.pid) + "/cmdline");
                std::stringstream ss;
                ss << cmdline.rdbuf();
                if (ss.str().find(s.profile) != std::string::npos)
                    left += "chromium pid=" + std::to_string(s.pid) + " still running; ";
                if (std::filesystem::exists(s.profile)) left += "profile " + s.profile + " left; ";
            }
            return left.empty();
        },
        timeout, 200ms);
    return left;
}

}  // namespace e2e
