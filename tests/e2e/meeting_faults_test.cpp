// Faults a long-running gateway must survive in a meeting (issue 11). Janus restarted mid-call:
// the pages lose their Janus session; the gateway's adapter says so, the call's meeting link
// rejoins with a fresh browser, the SIP call stays up, and an observer that joins the restarted
// Janus sees and hears the caller again. The test kills the demo's Janus (the gateway's child)
// and starts the replacement itself, at the same address and port, as a supervisor would.
#include "meeting_fixture.hpp"
#include "private_network.hpp"
#include "services/janus_local.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <regex>

namespace {

using namespace std::chrono_literals;

class MeetingFaultTest : public e2e::MeetingFixture {
protected:
    // Caller → meeting: several seconds of video and the caller's 440 Hz at the observer.
    bool observer_gets_caller() {
        const auto obs = observed([](const browser::Json& o) {
            return o.is_object() && o["frames"].get<int>() >= 60 &&
                   std::abs(o["peakHz"].get<double>() - 440) < 30 &&
                   o["levelDb"].get<double>() > -70;
        });
        std::printf("[ measure ] observer: %s\n", obs.dump().c_str());
        return obs.is_object() && obs["frames"].get<int>() >= 60 &&
               std::abs(obs["peakHz"].get<double>() - 440) < 30;
    }
};

TEST_F(MeetingFaultTest, JanusRestartedMidCallRejoinsAndTheCallGoesOn) {
    testsupport::TempDir tmp("meeting-janus-restart");
    auto gw = e2e::DemoGateway::start(tmp.path());
    ASSERT_TRUE(gw.ok()) << gw.error().message;
    auto& log = gw->program();
    std::smatch m;
    ASSERT_TRUE(log.wait_for_log(std::regex("demo: janus ready api=\\S+ pid=\\d+"), 10s));
    const std::string text = log.log();
    ASSERT_TRUE(std::regex_search(text, m, std::regex("demo: janus ready api=\\S+ pid=(\\d+)")));
    const pid_t janus_pid = std::stoi(m[1]);
    ASSERT_TRUE(join_observer(*gw));

    auto caller = testsupport::BaresipPeer::start(tmp.path(), testsupport::BaresipOptions{});
    ASSERT_TRUE(caller.ok()) << caller.error().message;
    ASSERT_TRUE((*caller)->dial("sip:1234@127.0.0.1:5060").ok());
    ASSERT_TRUE((*caller)->wait_established(30s)) << log.tail();
    ASSERT_TRUE(log.wait_for_log(std::regex("joined room=\"1234\" .*attempt=1"), 90s))
        << log.tail(80);
    ASSERT_TRUE(observer_gets_caller()) << log.tail(60);

    // Janus dies with every session in it; a new one comes up where the pages expect it.
    const std::size_t from = log.log_size();
    ASSERT_EQ(::kill(janus_pid, SIGKILL), 0);
    services::JanusLocalOptions jo;
    jo.work_dir = (tmp.path() / "janus-restarted").string();
    jo.http_ip = e2e::kMeetingAddress;
    jo.http_port = 8088;  // the demo's: its settings.js points the pages there
    jo.ice_enforce_list = e2e::kMeetingInterface;
    auto janus = services::JanusLocal::start(jo);
    ASSERT_TRUE(janus.ok()) << janus.error().message;

    // The gateway's page reports the lost session and the link rejoins with a fresh browser.
    EXPECT_TRUE(log.wait_for_log(
        std::regex("meeting lost \\(the service lost our session: Janus session lost"), 90s, from))
        << log.tail(80);
    EXPECT_TRUE(log.wait_for_log(std::regex("joined room=\"1234\" service=janus attempt=[2-9]"),
                                 120s, from))
        << log.tail(80);
    EXPECT_FALSE(log.log_contains(std::regex("meeting end="), from)) << log.tail(80);
    EXPECT_TRUE((*caller)->call_is_established()) << "the SIP call did not survive";

    // The observer lost its session too: a new one in the restarted Janus sees the caller.
    leave_observer();
    ASSERT_TRUE(join_observer(*gw, "observer2"));
    EXPECT_TRUE(observer_gets_caller()) << log.tail(80);
    EXPECT_TRUE((*caller)->call_is_established());

    (void)(*caller)->ctrl().command("hangup");
    EXPECT_TRUE(log.wait_for_log(std::regex("ended, 0 active"), 30s, from)) << log.tail(80);
    leave_observer();
    EXPECT_TRUE(gw->terminate()) << log.tail(40);
    const std::string left = gw->browsers_left(30s);
    EXPECT_TRUE(left.empty()) << left;
}

}  // namespace
