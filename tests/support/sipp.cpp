#include "support/sipp.hpp"

#include "support/ports.hpp"
#include "support/program.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <iostream>

namespace testsupport {

std::filesystem::path sipp_scenario_dir() {
    return std::filesystem::path(SIPMEDIAGW_SOURCE_DIR) / "tests" / "integration" / "sipp";
}

namespace {

// sipp binds its SIP and media ports as it starts; a port free when probed can be taken before
// that (by another test's peer or an outgoing socket), and sipp then exits at once.
bool bind_failed(const SippRun& run) {
    return run.exit_code != 0 && (run.errors.find("Unable to bind") != std::string::npos ||
                                  run.log.find("Unable to bind") != std::string::npos);
}

core::Result<SippRun> run_once(const std::filesystem::path& work, const std::string& stem,
                               const SippOptions& options) {
    const auto msg_file = work / "messages.log";
    const auto err_file = work / "errors.log";
    std::filesystem::remove(msg_file);
    std::filesystem::remove(err_file);
    std::vector<std::string> argv = {
        "sipp", options.target, "-sf", (sipp_scenario_dir() / options.scenario).string(), "-m", "1",
        "-i", "127.0.0.1", "-p", std::to_string(free_port()),
        // sipp opens its media sockets even when a scenario sends no RTP; never on fixed ports.
        "-mi", "127.0.0.1", "-mp", std::to_string(free_port_block(4)), "-t", options.transport,
        "-timeout", std::to_string(options.timeout.count()) + "s", "-timeout_error", "-trace_msg",
        "-message_file", msg_file.string(), "-trace_err", "-error_file", err_file.string(),
        "-nostdin"};
    if (!options.service.empty()) {
        argv.push_back("-s");
        argv.push_back(options.service);
    }
    argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
    auto prog = Program::start("sipp-" + stem, argv, work);
    if (!prog) return prog.error();
    if (!prog->wait_exit(options.timeout + std::chrono::seconds(15)))
        return core::fail("sipp did not exit:\n" + prog->tail());
    SippRun run;
    run.exit_code = prog->exit_code().value_or(-1);
    run.log = prog->log();
    run.messages = read_file(msg_file);
    run.errors = read_file(err_file);
    return run;
}

}  // namespace

core::Result<SippRun> run_sipp(const std::filesystem::path& dir, const SippOptions& options) {
    const auto stem = std::filesystem::path(options.scenario).stem().string();
    const auto work = dir / ("sipp-" + stem);
    std::filesystem::create_directories(work);
    constexpr int kAttempts = 3;
    for (int attempt = 1;; ++attempt) {
        auto run = run_once(work, stem, options);
        if (!run) return run;
        if (bind_failed(*run) && attempt < kAttempts) {
            std::cerr << "----- sipp " << stem << " could not bind its ports (attempt " << attempt
                      << "), again on other ports -----\n"
                      << run->errors << "\n";
            continue;
        }
        if (run->exit_code != 0 || ::testing::Test::HasFailure())
            std::cerr << "----- sipp " << stem << " exit " << run->exit_code << " -----\n"
                      << run->errors << "\n(messages in " << (work / "messages.log").string()
                      << ")\n";
        return run;
    }
}

}  // namespace testsupport
