// A caller who dialled no room types it: sip:0@gw, then 1234 and `#` by RFC 4733, and ends up
// in the Janus room (the observer sees its video). Then the lifecycle rule `[service]
// alone_timeout_s`: once the observer leaves, the gateway is alone in the meeting and hangs up
// after the timeout (set short through `sipmediagw demo --config`).
#include "meeting_fixture.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace {

using namespace std::chrono_literals;

class MeetingIvrTest : public e2e::MeetingFixture {};

TEST_F(MeetingIvrTest, RoomTypedAtTheIvrJoinsThenAloneTimeoutHangsUp) {
    testsupport::TempDir tmp("meeting-ivr");
    auto gw = e2e::DemoGateway::start(tmp.path(), "[service]\nalone_timeout_s = 4\n");
    ASSERT_TRUE(gw.ok()) << gw.error().message;
    auto& log = gw->program();
    ASSERT_TRUE(join_observer(*gw));

    testsupport::BaresipOptions o;
    o.audio_codecs = "PCMU";  // telephone-event/8000 needs an 8 kHz codec (baresip)
    auto caller = testsupport::BaresipPeer::start(tmp.path(), o);
    ASSERT_TRUE(caller.ok()) << caller.error().message;
    ASSERT_TRUE((*caller)->dial("sip:0@127.0.0.1:5060").ok());
    ASSERT_TRUE((*caller)->wait_established(30s)) << log.tail();
    ASSERT_TRUE(log.wait_for_log(std::regex("state answering -> ivr"), 20s)) << log.tail();
    ASSERT_TRUE(log.wait_for_log(std::regex("ivr prompt=welcome"), 20s)) << log.tail();
    for (char k : std::string("1234#"))
        ASSERT_TRUE((*caller)->ctrl().command("sndcode", std::string(1, k)));
    EXPECT_TRUE(log.wait_for_log(std::regex("ivr number=\"1234\" submitted"), 20s)) << log.tail();
    ASSERT_TRUE(log.wait_for_log(std::regex("state ivr -> joining"), 20s)) << log.tail();
    ASSERT_TRUE(log.wait_for_log(std::regex("state joining -> in_call"), 90s)) << log.tail(80);

    const auto obs = observed([](const browser::Json& o) {
        return o.is_object() && o["frames"].get<int>() >= 60 && o["width"].get<int>() > 0;
    });
    EXPECT_GE(obs["frames"].get<int>(), 60) << obs.dump();
    EXPECT_GT(obs["width"].get<int>(), 0) << obs.dump();
    // Two in the room: the gateway counts the observer, so no alone timer yet.
    EXPECT_TRUE(log.wait_for_log(std::regex("participants=2"), 30s)) << log.tail(40);
    EXPECT_TRUE((*caller)->call_is_established());
    EXPECT_FALSE(log.log_contains(std::regex("cause=alone in the meeting")));

    const std::size_t before_leaving = log.log_size();
    leave_observer();
    EXPECT_TRUE(log.wait_for_log(std::regex("participants=1"), 30s, before_leaving))
        << log.tail(40);
    EXPECT_TRUE(log.wait_for_log(std::regex("in_call -> ending cause=alone in the meeting"), 60s,
                                 before_leaving))
        << log.tail(40);
    EXPECT_TRUE((*caller)->wait_closed(30s)) << "the alone gateway did not hang up";
    EXPECT_TRUE(log.wait_for_log(std::regex("ended, 0 active"), 30s)) << log.tail(40);

    EXPECT_TRUE(gw->terminate()) << log.tail(40);
    const std::string left = gw->browsers_left(30s);
    EXPECT_TRUE(left.empty()) << left;
}

}  // namespace
