// Issue 11: the tree `cmake --install` lays out works on its own. The suite installs the build
// into a prefix and moves that prefix elsewhere, so nothing in it can lean on the path it was
// installed to, the source tree or the build tree; then runs the moved binary as `nobody`, so
// Chromium keeps its sandbox, as the container image and the systemd unit do (docs/deploy.md).
#include "installed_gateway_fixture.hpp"
#include "private_network.hpp"
#include "support/program.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <regex>
#include <sstream>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using e2e::proc_file;
using e2e::regex_escape;
using testsupport::read_file;

// An existing unprivileged account: the tree and the test's files must be readable by it.
constexpr uid_t kNobody = 65534;
const std::vector<std::string> kAsNobody = {"setpriv", "--reuid=nobody", "--regid=nogroup",
                                            "--clear-groups", "--"};

class InstalledTree : public e2e::InstalledGatewayFixture {
protected:
    static void SetUpTestSuite() {
        // Made readable by nobody: the moved tree lives in here.
        suite_dir_ = std::make_unique<testsupport::TempDir>("installed-tree");
        const fs::path dir = suite_dir_->path();
        fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                 fs::perms::others_read | fs::perms::others_exec);
        const fs::path staged = dir / "staged";
        auto r = testsupport::run_command(
            {SIPMEDIAGW_CMAKE, "--install", SIPMEDIAGW_BUILD_DIR, "--prefix", staged.string()}, dir,
            300s);
        if (!r || r->exit_code != 0) {
            setup_error_ = "cmake --install failed: " + (r ? r->output : r.error().message);
            return;
        }
        // The unit names the prefix it was installed to.
        unit_ = read_file(staged / "lib/systemd/system/sipmediagw.service");
        staged_prefix_ = staged;
        prefix_ = dir / "moved";
        fs::rename(staged, prefix_);
    }
    static void TearDownTestSuite() { suite_dir_.reset(); }
    void SetUp() override {
        e2e::InstalledGatewayFixture::SetUp();
        ASSERT_TRUE(setup_error_.empty()) << setup_error_;
    }

    static fs::path binary() { return prefix_ / "bin" / "sipmediagw"; }
    static fs::path data() { return prefix_ / "share" / "sipmediagw"; }

    static inline std::unique_ptr<testsupport::TempDir> suite_dir_;
    static inline std::string setup_error_;
    static inline std::string unit_;
    static inline fs::path staged_prefix_;
    static inline fs::path prefix_;
};

TEST_F(InstalledTree, HoldsTheBinaryDataConfigurationUnitAndDocs) {
    for (const char* f :
         {"bin/sipmediagw", "share/sipmediagw/bridge/media_bridge.js",
          "share/sipmediagw/services/janus.js", "share/sipmediagw/ivr/welcome_en.wav",
          "share/sipmediagw/sipmediagw.example.toml", "etc/sipmediagw/sipmediagw.toml",
          "lib/systemd/system/sipmediagw.service", "share/doc/sipmediagw/deploy.md"})
        EXPECT_TRUE(fs::is_regular_file(prefix_ / f)) << f;
    const std::string bin = (staged_prefix_ / "bin/sipmediagw").string();
    const std::string conf = (staged_prefix_ / "etc/sipmediagw/sipmediagw.toml").string();
    EXPECT_NE(unit_.find("ExecStart=" + bin + " serve --config " + conf), std::string::npos)
        << unit_;
    EXPECT_NE(unit_.find("User=sipmediagw"), std::string::npos) << unit_;
}

TEST_F(InstalledTree, AMissingPromptStopsItAtStartWithTheFileNamed) {
    testsupport::TempDir tmp("installed-broken");
    const fs::path broken = tmp.path() / "broken";
    fs::copy(prefix_, broken, fs::copy_options::recursive);
    fs::remove(broken / "share/sipmediagw/ivr/welcome_en.wav");
    const std::string conf = (broken / "etc/sipmediagw/sipmediagw.toml").string();

    auto p = testsupport::Program::start(
        "broken-serve", {(broken / "bin/sipmediagw").string(), "serve", "--config", conf},
        tmp.path());
    ASSERT_TRUE(p.ok()) << p.error().message;
    ASSERT_TRUE(p->wait_exit(60s)) << p->tail();
    EXPECT_EQ(p->exit_code().value_or(-1), 1) << p->tail();
    EXPECT_TRUE(p->log_contains(std::regex("data file ivr/welcome_en\\.wav is missing: looked in " +
                                           regex_escape((broken / "share/sipmediagw").string()) +
                                           " \\(install prefix of ")))
        << p->tail();

    // check-config says the same, and --data-dir points it at a complete tree.
    auto check = testsupport::run_command(
        {(broken / "bin/sipmediagw").string(), "check-config", conf}, tmp.path(), 60s);
    ASSERT_TRUE(check.ok()) << check.error().message;
    EXPECT_EQ(check->exit_code, 1) << check->output;
    EXPECT_NE(check->output.find("ivr/welcome_en.wav"), std::string::npos) << check->output;
    check = testsupport::run_command(
        {(broken / "bin/sipmediagw").string(), "--data-dir", data().string(), "check-config", conf},
        tmp.path(), 60s);
    ASSERT_TRUE(check.ok()) << check.error().message;
    EXPECT_EQ(check->exit_code, 0) << check->output;
}

TEST_F(InstalledTree, AsNobodyItAnswersTheIvrAndJoinsTheMeetingSandboxed) {
    testsupport::TempDir tmp("installed-run");
    // The gateway's home and temporary files (Chromium profiles), owned by nobody.
    const fs::path home = tmp.path() / "home";
    fs::create_directories(home);
    ASSERT_EQ(::chown(home.c_str(), kNobody, kNobody), 0);
    fs::permissions(tmp.path(), fs::perms::others_read | fs::perms::others_exec,
                    fs::perm_options::add);

    // The demo starts from the installed example configuration (no --config).
    std::vector<std::string> argv = kAsNobody;
    for (const std::string& a :
         {binary().string(), std::string("demo"), std::string("--address"),
          std::string(e2e::kMeetingAddress), std::string("--log-level"), std::string("debug")})
        argv.push_back(a);
    auto gw = e2e::DemoGateway::start_command(tmp.path(), argv,
                                              {"HOME=" + home.string(), "TMPDIR=" + home.string()});
    ASSERT_TRUE(gw.ok()) << gw.error().message;
    auto& log = gw->program();
    EXPECT_NE(proc_file(log.pid(), "status").find("Uid:\t65534"), std::string::npos)
        << "the gateway does not run as nobody";
    EXPECT_TRUE(
        log.log_contains(std::regex("sipmediagw: data dir=" + regex_escape(data().string()) +
                                    " prompts=" + regex_escape(data().string()))))
        << log.tail();
    EXPECT_FALSE(log.log_contains(std::regex("--no-sandbox"))) << log.tail();

    answers_ivr_and_joins_sandboxed(*gw, tmp.path());
}

}  // namespace
