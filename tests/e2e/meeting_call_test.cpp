// A SIP caller joins a real Janus VideoRoom through `sipmediagw demo` (Janus + demo pages +
// gateway), and an independent headless Chromium observer in the same room proves what the
// meeting gets from the caller: video frames (with a size) and the caller's 440 Hz tone. The
// observer publishes its own 660 Hz tone and moving canvas, which the gateway must receive back
// from its page (the meeting's output toward the caller). Everything runs in the test's private
// network namespace (e2e_main.cpp); no browser may be left behind.
#include "baresip_peer.hpp"
#include "browser_fixture.hpp"
#include "private_network.hpp"
#include "program.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <regex>
#include <sstream>

namespace {

using namespace std::chrono_literals;

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}



class MeetingCallTest : public browser_test::BrowserFixture {};

TEST_F(MeetingCallTest, CallerAndObserverSeeAndHearEachOtherThroughJanus) {
    testsupport::TempDir tmp("meeting-call");
    auto* dir = &tmp;
    // The namespace is ours alone: the demo's fixed ports (5060, 8000, 8088) cannot collide.
    auto gw = testsupport::Program::start(
        "sipmediagw-demo",
        {SIPMEDIAGW_BINARY, "demo", "--address", e2e::kMeetingAddress, "--log-level", "debug"},
        dir->path());
    ASSERT_TRUE(gw.ok()) << gw.error().message;
    ASSERT_TRUE(gw->wait_for_log(std::regex("sipmediagw: ready"), 60s)) << gw->tail();
    std::smatch page_match;
    const std::string log = gw->log();
    ASSERT_TRUE(std::regex_search(log, page_match, std::regex("meeting page (http://\\S+)")));
    const std::string page_url = page_match[1];
    ASSERT_TRUE(gw->log_contains(std::regex("call sip:1234@10\\.200\\.0\\.1")));
    ASSERT_TRUE(gw->log_contains(std::regex("janus api http://")));

    // The observer: its own browser and profile, joining room 1234 through the same demo page.
    const std::string origin = page_url.substr(0, page_url.find('/', 7));
    // Plain http off loopback is not a secure context (no getUserMedia) unless we say so.
    extra_flags_ = {"--unsafely-treat-insecure-origin-as-secure=" + origin};
    auto b = launch_ready();
    ASSERT_TRUE(b);
    std::optional<core::Status> granted;
    b->grant_permissions(origin, [&](core::Status st) { granted = std::move(st); });
    ASSERT_TRUE(run_until([&] { return granted.has_value(); }));
    ASSERT_TRUE(granted->ok()) << granted->error().message;
    browser::PageOptions po;
    const std::string assets = SIPMEDIAGW_ASSETS_DIR;
    po.scripts = {read_file(E2E_OBSERVER_JS), read_file(assets + "/services/common.js"),
                  read_file(assets + "/services/janus.js")};
    po.bindings = {"sipmediagwEvent"};
    auto page = open_page(*b, po);
    ASSERT_TRUE(page);
    ASSERT_TRUE(navigate(*page, page_url).ok());
    auto joined = evaluate(*page,
                           "sipmediagwAdapter.join({room: '1234', displayName: 'observer', "
                           "timeoutMs: 60000})");
    if (!joined.ok()) {
        auto why =
            evaluate(*page,
                     "JSON.stringify({server: window.server, janus: !!window.janus, J: "
                     "!!window.Janus, jq: !!window.jQuery, bb: !!window.bootbox, start: "
                     "(document.getElementById('start') || {}).outerHTML, ev: window.jQuery && "
                     "Object.keys(jQuery._data(document.getElementById('start'), 'events') || {}), "
                     "sfutest: !!window.sfutest, log: window.__smgwConsole, join: "
                     "(document.getElementById('videojoin') || {}).outerHTML})");
        FAIL() << joined.error().message << " page: " << (why.ok() ? why->dump() : "?");
    }

    testsupport::BaresipOptions bo;
    bo.tone_hz = 440;
    auto caller = testsupport::BaresipPeer::start(dir->path(), bo);
    ASSERT_TRUE(caller.ok()) << caller.error().message;
    ASSERT_TRUE((*caller)->dial("sip:1234@127.0.0.1:5060").ok());
    ASSERT_TRUE((*caller)->wait_established(30s)) << gw->tail();
    ASSERT_TRUE(gw->wait_for_log(std::regex("state joining -> in_call"), 90s)) << gw->tail(80);

    // Caller → meeting: video frames with a size, and the caller's tone (not silence).
    const auto obs = poll_evaluate(
        *page, "window.__obs",
        [](const browser::Json& o) {
            // Several seconds of video: a bridge that stalls or ends the call cannot pass.
            return o.is_object() && o["frames"].get<int>() >= 90 &&
                   std::abs(o["peakHz"].get<double>() - 440) < 30 &&
                   o["levelDb"].get<double>() > -70;
        },
        90s);
    ASSERT_TRUE(obs.is_object()) << obs.dump();
    std::printf("[ measure ] observer received %dx%d, %d frames, tone %.0f Hz at %.0f dB\n",
                obs["width"].get<int>(), obs["height"].get<int>(), obs["frames"].get<int>(),
                obs["peakHz"].get<double>(), obs["levelDb"].get<double>());
    EXPECT_GE(obs["frames"].get<int>(), 90) << obs.dump();
    EXPECT_GT(obs["width"].get<int>(), 0) << obs.dump();
    EXPECT_NEAR(obs["peakHz"].get<double>(), 440, 30) << obs.dump();
    EXPECT_GT(obs["levelDb"].get<double>(), -70) << obs.dump();

    // Meeting → caller: the gateway's page sends the meeting's video and mixed audio back.
    EXPECT_TRUE(
        gw->wait_for_log(std::regex("bridge: receiving the meeting's video from the page"), 60s))
        << gw->tail(80);
    EXPECT_TRUE(
        gw->wait_for_log(std::regex("bridge: receiving the meeting's audio from the page"), 60s))
        << gw->tail(80);

    EXPECT_FALSE(gw->log_contains(std::regex("pipeline error"))) << gw->tail(80);
    EXPECT_TRUE((*caller)->call_is_established());

    // The caller hangs up: the gateway leaves and discards its browser.
    (void)(*caller)->ctrl().command("hangup");
    EXPECT_TRUE(gw->wait_for_log(std::regex("browser pid=\\d+ discarded"), 30s)) << gw->tail(80);
    EXPECT_TRUE(gw->wait_for_log(std::regex("ended, 0 active"), 30s)) << gw->tail(80);
    page.reset();
    gw->signal(SIGTERM);
    EXPECT_TRUE(gw->wait_exit(30s));
}

}  // namespace

namespace {

// The gateway's browser is killed mid-call: the session rejoins once with a fresh browser (or
// ends with BYE and the cause); the killed browser's process is gone either way.
TEST(MeetingCallCrash, KilledBrowserRejoinsOrHangsUpCleanly) {
    testsupport::TempDir tmp("meeting-crash");
    auto gw = testsupport::Program::start(
        "sipmediagw-demo", {SIPMEDIAGW_BINARY, "demo", "--address", e2e::kMeetingAddress},
        tmp.path());
    ASSERT_TRUE(gw.ok()) << gw.error().message;
    ASSERT_TRUE(gw->wait_for_log(std::regex("sipmediagw: ready"), 60s)) << gw->tail();
    auto caller = testsupport::BaresipPeer::start(tmp.path(), testsupport::BaresipOptions{});
    ASSERT_TRUE(caller.ok()) << caller.error().message;
    ASSERT_TRUE((*caller)->dial("sip:1234@127.0.0.1:5060").ok());
    ASSERT_TRUE(gw->wait_for_log(std::regex("state joining -> in_call"), 90s)) << gw->tail(80);
    std::smatch m;
    const std::string log = gw->log();
    ASSERT_TRUE(std::regex_search(log, m, std::regex("browser pid=(\\d+) joining")));
    const pid_t pid = std::stoi(m[1]);
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    const bool rejoined = gw->wait_for_log(std::regex("joined room=\"1234\" .*attempt=2"), 60s);
    const bool hung_up = gw->log_contains(std::regex("meeting ended the call"));
    EXPECT_TRUE(rejoined || hung_up) << gw->tail(80);
    std::printf("[ measure ] after the kill: %s\n", rejoined ? "rejoined" : "BYE");
    EXPECT_TRUE(gw->log_contains(std::regex("meeting lost \\(browser: ")) || hung_up)
        << gw->tail(80);
    EXPECT_NE(::kill(pid, 0), 0) << "killed browser " << pid << " still there";
    (void)(*caller)->ctrl().command("hangup");
    EXPECT_TRUE(gw->wait_for_log(std::regex("ended, 0 active"), 30s)) << gw->tail(80);
    gw->signal(SIGTERM);
    EXPECT_TRUE(gw->wait_exit(30s));
}

}  // namespace
