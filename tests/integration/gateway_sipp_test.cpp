// Issue 2, protocol corners driven by sipp scenarios (tests/integration/sipp/*.xml).
#include "gateway_fixture.hpp"

namespace testsupport {
namespace {

using GatewaySipp = GatewayTest;

TEST_F(GatewaySipp, OptionsAnswered200) {
    auto& gw = start_gateway();
    EXPECT_EQ(sipp(scenario("options.xml", gw.target())).exit_code, 0);
}

TEST_F(GatewaySipp, OptionsOverTcpAnswered200) {
    auto& gw = start_gateway();
    EXPECT_EQ(sipp(scenario("options.xml", gw.target(), {}, "t1")).exit_code, 0);
}

TEST_F(GatewaySipp, CancelBeforeAnswer) {
    GatewayOptions o;
    o.ring_ms = 5000;  // the CANCEL is sent on the 180, long before this
    auto& gw = start_gateway(o);
    const auto run = sipp(scenario("invite_cancel.xml", gw.target(), "echo"));
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("gateway: sess=\\S+ ended"), 10s));
    // The slot is free again: a call after the cancelled one is answered.
    EXPECT_EQ(sipp(scenario("answered_then_bye.xml", gw.target(), "echo")).exit_code, 0);
}

TEST_F(GatewaySipp, ReInviteHoldAndResume) {
    auto& gw = start_gateway();
    const auto run = sipp(scenario("reinvite_hold_resume.xml", gw.target(), "echo"));
    EXPECT_EQ(run.exit_code, 0);
}

TEST_F(GatewaySipp, InfoDtmfIsLoggedWithTheDigit) {
    auto& gw = start_gateway();
    const auto run =
        sipp(scenario("info_dtmf.xml", gw.target(), "echo", "u1", {"-key", "digit", "7"}));
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("dtmf key=7"), 10s));
}

TEST_F(GatewaySipp, InfoDtmfPlainBodyIsLoggedWithTheDigit) {
    auto& gw = start_gateway();
    const auto run =
        sipp(scenario("info_dtmf_plain.xml", gw.target(), "echo", "u1", {"-key", "digit", "#"}));
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("dtmf key=#"), 10s));
}

TEST_F(GatewaySipp, SessionTimerNegotiatedAndRefreshedByUpdate) {
    auto& gw = start_gateway();
    EXPECT_EQ(sipp(scenario("session_timer.xml", gw.target(), "echo")).exit_code, 0);
}

TEST_F(GatewaySipp, SessionIntervalTooSmallGets422) {
    auto& gw = start_gateway();
    EXPECT_EQ(sipp(scenario("session_timer_too_small.xml", gw.target(), "echo")).exit_code, 0);
}

TEST_F(GatewaySipp, BusyWhenAllSlotsTaken) {
    GatewayOptions o;
    o.max_calls = 1;
    auto& gw = start_gateway(o);
    auto& first = start_peer(plain_peer("first", "alice"));
    ASSERT_TRUE(first.dial(gw.uri("echo")));
    ASSERT_TRUE(first.wait_established(20s));
    const auto run = sipp(scenario("invite_busy.xml", gw.target(), "echo"));
    EXPECT_EQ(run.exit_code, 0) << "second call was not refused with 486";
    EXPECT_TRUE(first.call_is_established()) << "the first call must not suffer";
}

TEST_F(GatewaySipp, UnavailableWith503AndRetryAfterWhenConfigured) {
    GatewayOptions o;
    o.max_calls = 1;
    o.busy_status = 503;
    auto& gw = start_gateway(o);
    auto& first = start_peer(plain_peer("first", "alice"));
    ASSERT_TRUE(first.dial(gw.uri("echo")));
    ASSERT_TRUE(first.wait_established(20s));
    EXPECT_EQ(sipp(scenario("invite_unavailable.xml", gw.target(), "echo")).exit_code, 0)
        << "second call was not refused with 503 + Retry-After";
}

TEST_F(GatewaySipp, MalformedRequestGets400) {
    auto& gw = start_gateway();
    EXPECT_EQ(sipp(scenario("malformed_no_from_tag.xml", gw.target(), "echo")).exit_code, 0);
    // Still alive and answering.
    EXPECT_EQ(sipp(scenario("options.xml", gw.target())).exit_code, 0);
}

TEST_F(GatewaySipp, BadRoomNameGets404WithLogLine) {
    auto& gw = start_gateway();
    EXPECT_EQ(sipp(scenario("invite_bad_room.xml", gw.target(), "bad!room")).exit_code, 0);
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("rejected status=404.*bad!room"), 10s));
}

TEST_F(GatewaySipp, OverlongRoomNameGets404) {
    auto& gw = start_gateway();
    EXPECT_EQ(sipp(scenario("invite_bad_room.xml", gw.target(), std::string(129, 'a'))).exit_code,
              0);
}

TEST_F(GatewaySipp, NoCommonCodecGets488) {
    auto& gw = start_gateway();
    EXPECT_EQ(sipp(scenario("invite_no_common_codec.xml", gw.target(), "echo")).exit_code, 0);
}

}  // namespace
}  // namespace testsupport

namespace testsupport {
namespace {

class GatewaySippViaKamailio : public GatewayTest {
protected:
    // One gateway registered to Kamailio; returns Kamailio's "127.0.0.1:<port>" for sipp.
    std::string start_behind_kamailio(GatewayOptions o) {
        auto& kam = start_kamailio();
        o.registrar_server = kam.uri() + ";transport=udp";
        o.registrar_secret = kam.secret();
        start_gateway(o);
        EXPECT_TRUE(wait_until([&] { return has_aor("sipmediagw.1"); }, 30s));
        return "127.0.0.1:" + std::to_string(kam.port());
    }
};

// Kamailio relays the CANCEL to the slot it chose, and does not fail over a cancelled call.
TEST_F(GatewaySippViaKamailio, CancelBeforeAnswer) {
    GatewayOptions o;
    o.ring_ms = 5000;
    o.slots = 1;
    const auto target = start_behind_kamailio(o);
    EXPECT_EQ(sipp(scenario("invite_cancel.xml", target, "echo")).exit_code, 0);
    EXPECT_TRUE(gateway_->program().wait_for_log(std::regex("closed cause=cancelled"), 10s));
}

// Every slot busy: after the last one, Kamailio passes the 486 back to the caller.
TEST_F(GatewaySippViaKamailio, BusyWhenEverySlotIsBusy) {
    GatewayOptions o;
    o.slots = 1;
    o.max_calls = 1;
    const auto target = start_behind_kamailio(o);
    auto& first = start_peer(plain_peer("first", "alice"));
    ASSERT_TRUE(first.dial("sip:echo@" + target));
    ASSERT_TRUE(first.wait_established(20s));
    EXPECT_EQ(sipp(scenario("invite_busy.xml", target, "echo")).exit_code, 0);
    EXPECT_TRUE(first.call_is_established());
}

}  // namespace
}  // namespace testsupport
