// The meeting ends the call, and the caller is told why before the BYE (issue 9/10): a SIP
// caller is in the Janus room through `sipmediagw demo` and hears the observer's 660 Hz; the
// observer destroys the room (the VideoRoom's `destroy` request with the room's secret, as a
// moderator's tool would). The gateway's page reports `ended`; the caller's picture and audio go
// to the gateway's own (media IVR mode), it hears "The meeting has ended. Goodbye." — speech,
// not the meeting's tone — and then gets the BYE; the browser is discarded and no session is
// left.
#include "meeting_fixture.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace {

using namespace std::chrono_literals;

class MeetingEndTest : public e2e::MeetingFixture {};

TEST_F(MeetingEndTest, RoomDestroyedTheCallerHearsWhyThenBye) {
    testsupport::TempDir tmp("meeting-end");
    auto gw = e2e::DemoGateway::start(tmp.path());
    ASSERT_TRUE(gw.ok()) << gw.error().message;
    auto& log = gw->program();
    ASSERT_TRUE(join_observer(*gw));

    testsupport::BaresipOptions o;
    o.audio_codecs = "PCMU";
    auto caller = testsupport::BaresipPeer::start(tmp.path(), o);
    ASSERT_TRUE(caller.ok()) << caller.error().message;
    ASSERT_TRUE((*caller)->dial("sip:1234@127.0.0.1:5060").ok());
    ASSERT_TRUE((*caller)->wait_established(30s)) << log.tail();
    ASSERT_TRUE(log.wait_for_log(std::regex("state joining -> in_call"), 90s)) << log.tail(80);
    // The control: in the meeting, what the caller hears is the observer's tone.
    const auto in_meeting = caller_hears(**caller, 660);
    ASSERT_GT(in_meeting.tone_db, -40) << "the meeting's audio did not reach the caller";

    const std::size_t before = log.log_size();
    auto destroyed = evaluate(
        *observer_,
        "sfutest.send({message: {request: 'destroy', room: 1234, secret: 'adminpwd'}}); true");
    ASSERT_TRUE(destroyed.ok()) << destroyed.error().message;
    ASSERT_TRUE(
        log.wait_for_log(std::regex("meeting over end=ended cause=\"meeting ended: "), 30s, before))
        << log.tail(40);
    EXPECT_TRUE(log.wait_for_log(std::regex("meeting prompt=end_meeting,goodbye"), 10s, before))
        << log.tail(40);
    EXPECT_TRUE(log.log_contains(std::regex("media holds the caller outside the meeting")))
        << log.tail(40);
    EXPECT_TRUE((*caller)->wait_closed(30s)) << "no BYE after the meeting ended";
    EXPECT_TRUE(log.wait_for_log(std::regex("-> ending cause=meeting ended: "), 10s, before))
        << log.tail(40);

    // The last second and a half of the call was the spoken cause: loud, and not the tone.
    const auto wav = (*caller)->received_audio();
    ASSERT_TRUE(wav);
    const auto told = e2e::tone_level(*wav, 660, 1.5);
    ASSERT_TRUE(told) << told.error().message;
    std::printf("[ measure ] before the BYE: %.1f dB in all, %.1f dB at 660 Hz\n", told->total_db,
                told->tone_db);
    EXPECT_GT(told->total_db, -45) << "the caller heard silence before the BYE";
    EXPECT_LT(told->tone_db, told->total_db - 6) << "the caller still heard the meeting";

    EXPECT_TRUE(log.wait_for_log(std::regex("browser pid=\\d+ discarded"), 30s, before))
        << log.tail(40);
    EXPECT_TRUE(log.wait_for_log(std::regex("ended, 0 active"), 30s, before)) << log.tail(40);
    EXPECT_FALSE(log.log_contains(std::regex("pipeline error"))) << log.tail(80);

    leave_observer();
    EXPECT_TRUE(gw->terminate()) << log.tail(40);
    const std::string left = gw->browsers_left(30s);
    EXPECT_TRUE(left.empty()) << left;
}

}  // namespace
