// Issue 11: the tree `cmake --install` lays out works on its own. The suite installs the build
// into a prefix and moves that prefix elsewhere, so nothing in it can lean on the path it was
// installed to, the source tree or the build tree; then runs the moved binary as `nobody`, so
// Chromium keeps its sandbox, as the container image and the systemd unit do (docs/deploy.md).
#include "meeting_fixture.hpp"
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
using testsupport::read_file;

// An existing unprivileged account: the tree and the test's files must be readable by it.
constexpr uid_t kNobody = 65534;
const std::vector<std::string> kAsNobody = {"setpriv", "--reuid=nobody", "--regid=nogroup",
                                            "--clear-groups", "--"};

std::string regex_escape(const std::string& s) {
    return std::regex_replace(s, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)");
}

std::string proc_file(pid_t pid, const char* name) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string user_namespace(pid_t pid) {
    std::error_code ec;
    return fs::read_symlink("/proc/" + std::to_string(pid) + "/ns/user", ec).string();
}

// Chromium's sandbox, seen from outside: every renderer of every browser the gateway's log names
// runs under seccomp-bpf (Seccomp: 2) in a user namespace other than its browser's. Empty when
// all of them do and there is at least one; else what is not.
std::string unsandboxed_renderers(const std::string& log) {
    const std::regex started("browser: started pid=(\\d+) profile=(\\S+)");
    std::string problems;
    int renderers = 0;
    for (auto it = std::sregex_iterator(log.begin(), log.end(), started);
         it != std::sregex_iterator(); ++it) {
        const pid_t browser = std::stoi((*it)[1]);
        const std::string profile = (*it)[2];
        const std::string browser_ns = user_namespace(browser);
        for (const auto& e : fs::directory_iterator("/proc")) {
            const std::string name = e.path().filename().string();
            if (name.find_first_not_of("0123456789") != std::string::npos) continue;
            const pid_t pid = std::stoi(name);
            const std::string cmdline = proc_file(pid, "cmdline");
            if (cmdline.find(profile) == std::string::npos ||
                cmdline.find("--type=renderer") == std::string::npos)
                continue;
            ++renderers;
            if (proc_file(pid, "status").find("Seccomp:\t2") == std::string::npos)
                problems += "renderer " + name + " has no seccomp filter; ";
            if (user_namespace(pid).empty() || user_namespace(pid) == browser_ns)
                problems += "renderer " + name + " shares its browser's user namespace; ";
        }
    }
    if (renderers == 0) return "no renderer of the gateway's browsers found";
    return problems;
}

class InstalledTree : public e2e::MeetingFixture {
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
        e2e::MeetingFixture::SetUp();
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

    // sip:0@: the installed prompt is what the caller hears.
    testsupport::BaresipOptions o;
    o.name = "ivr-caller";
    o.audio_codecs = "PCMU";
    auto ivr_caller = testsupport::BaresipPeer::start(tmp.path(), o);
    ASSERT_TRUE(ivr_caller.ok()) << ivr_caller.error().message;
    ASSERT_TRUE((*ivr_caller)->dial("sip:0@127.0.0.1:5060").ok());
    ASSERT_TRUE((*ivr_caller)->wait_established(30s)) << log.tail();
    ASSERT_TRUE(log.wait_for_log(std::regex("ivr prompt=welcome"), 30s)) << log.tail();
    double heard_db = -200;
    testsupport::wait_until(
        [&] {
            const auto wav = (*ivr_caller)->received_audio();
            if (!wav) return false;
            const auto level = e2e::tone_level(*wav, 1000, 1.0);
            if (level) heard_db = level->total_db;
            return heard_db > -45;
        },
        60s, 250ms);
    EXPECT_GT(heard_db, -45) << "the caller heard no prompt";
    (void)(*ivr_caller)->ctrl().command("hangup");
    EXPECT_TRUE((*ivr_caller)->wait_closed(30s));

    // sip:1234@: a named room joins the demo meeting, media both ways.
    ASSERT_TRUE(join_observer(*gw));
    testsupport::BaresipOptions r;
    r.name = "room-caller";
    r.user = "bob";
    auto caller = testsupport::BaresipPeer::start(tmp.path(), r);
    ASSERT_TRUE(caller.ok()) << caller.error().message;
    ASSERT_TRUE((*caller)->dial("sip:1234@127.0.0.1:5060").ok());
    ASSERT_TRUE((*caller)->wait_established(30s)) << log.tail();
    ASSERT_TRUE(log.wait_for_log(std::regex("state joining -> in_call"), 120s)) << log.tail(80);
    const auto obs = observed([](const browser::Json& j) {
        return j.is_object() && j["frames"].get<int>() >= 60 && j["width"].get<int>() > 0;
    });
    EXPECT_GE(obs["frames"].get<int>(), 60) << obs.dump();
    const auto heard = caller_hears(**caller, 660);
    EXPECT_GT(heard.tone_db, -40) << "the caller does not hear the meeting";
    const std::string sandbox = unsandboxed_renderers(log.log());
    EXPECT_TRUE(sandbox.empty()) << sandbox;

    leave_observer();
    (void)(*caller)->ctrl().command("hangup");
    EXPECT_TRUE((*caller)->wait_closed(30s));
    EXPECT_TRUE(gw->terminate()) << log.tail(40);
    const std::string left = gw->browsers_left(30s);
    EXPECT_TRUE(left.empty()) << left;
}

}  // namespace
