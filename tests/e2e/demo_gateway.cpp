#include "demo_gateway.hpp"

#include "private_network.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

#include <sys/types.h>

#include <csignal>
#include <fstream>
#include <regex>
#include <sstream>

namespace e2e {

using namespace std::chrono_literals;

core::Result<DemoGateway> DemoGateway::start(const std::filesystem::path& dir,
                                             const std::string& config_toml) {
    std::vector<std::string> argv = {SIPMEDIAGW_BINARY, "demo",        "--address",
                                     kMeetingAddress,   "--log-level", "debug"};
    if (!config_toml.empty()) {
        const auto path = dir / "demo.toml";
        testsupport::write_file(path, config_toml);
        argv.insert(argv.end(), {"--config", path.string()});
    }
    auto p = testsupport::Program::start("sipmediagw-demo", argv, dir);
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
    struct Started {
        pid_t pid;
        std::string profile;
    };
    std::vector<Started> started;
    const std::string log = program_.log();
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
