#include "installed_gateway_fixture.hpp"

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace e2e {

namespace fs = std::filesystem;

std::string proc_file(pid_t pid, const char* name) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

namespace {

std::string user_namespace(pid_t pid) {
    std::error_code ec;
    return fs::read_symlink("/proc/" + std::to_string(pid) + "/ns/user", ec).string();
}

}  // namespace

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

std::string regex_escape(const std::string& s) {
    return std::regex_replace(s, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)");
}

void InstalledGatewayFixture::answers_ivr_and_joins_sandboxed(DemoGateway& gw,
                                                              const fs::path& dir) {
    auto& log = gw.program();
    // sip:0@: the installed prompt is what the caller hears.
    testsupport::BaresipOptions o;
    o.name = "ivr-caller";
    o.audio_codecs = "PCMU";
    auto ivr_caller = testsupport::BaresipPeer::start(dir, o);
    ASSERT_TRUE(ivr_caller.ok()) << ivr_caller.error().message;
    ASSERT_TRUE((*ivr_caller)->dial("sip:0@127.0.0.1:5060").ok());
    ASSERT_TRUE((*ivr_caller)->wait_established(30s)) << log.tail();
    ASSERT_TRUE(log.wait_for_log(std::regex("ivr prompt=welcome"), 30s)) << log.tail();
    double heard_db = -200;
    testsupport::wait_until(
        [&] {
            const auto wav = (*ivr_caller)->received_audio();
            if (!wav) return false;
            const auto level = tone_level(*wav, 1000, 1.0);
            if (level) heard_db = level->total_db;
            return heard_db > -45;
        },
        60s, 250ms);
    EXPECT_GT(heard_db, -45) << "the caller heard no prompt";
    (void)(*ivr_caller)->ctrl().command("hangup");
    EXPECT_TRUE((*ivr_caller)->wait_closed(30s));

    // sip:1234@: a named room joins the demo meeting, media both ways.
    ASSERT_TRUE(join_observer(gw));
    testsupport::BaresipOptions r;
    r.name = "room-caller";
    r.user = "bob";
    auto caller = testsupport::BaresipPeer::start(dir, r);
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
    EXPECT_TRUE(gw.terminate()) << log.tail(40);
    const std::string left = gw.browsers_left(30s);
    EXPECT_TRUE(left.empty()) << left;
}

}  // namespace e2e
