// Issue 2, calls from baresip: through Kamailio (to a registered slot) and directly; answered,
// held, hung up from either side.
#include "gateway_fixture.hpp"
#include "registered_gateway.hpp"

namespace testsupport {
namespace {

using GatewayCall = GatewayTest;

const std::regex kSessionEnded("gateway: sess=\\S+ ended");

TEST_F(GatewayCall, DirectCallAnsweredHeldAndHungUpByCaller) {
    auto& gw = start_gateway();
    auto& caller = start_peer(plain_peer("caller", "alice"));
    ASSERT_TRUE(caller.dial(gw.uri("echo")));
    ASSERT_TRUE(caller.wait_established(20s));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("answering room_kind=echo"), 10s));
    EXPECT_TRUE(call_stays_up(caller, 3s)) << "call dropped while held";
    ASSERT_TRUE(caller.ctrl().command("hangup"));
    EXPECT_TRUE(caller.wait_closed(10s));
    EXPECT_TRUE(gw.program().wait_for_log(kSessionEnded, 10s));
    EXPECT_EQ(gw.terminate(), std::optional<int>(0));
}

TEST_F(GatewayCall, DirectCallOverTcp) {
    auto& gw = start_gateway();
    auto& caller = start_peer(plain_peer("caller", "alice", "tcp"));
    ASSERT_TRUE(caller.dial(gw.uri("echo") + ";transport=tcp"));
    ASSERT_TRUE(caller.wait_established(20s));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("INVITE .*transport=TCP"), 10s));
    ASSERT_TRUE(caller.ctrl().command("hangup"));
    EXPECT_TRUE(caller.wait_closed(10s));
    EXPECT_TRUE(gw.program().wait_for_log(kSessionEnded, 10s));
}

TEST_F(GatewayCall, GatewayShutdownHangsUpActiveCall) {
    auto& gw = start_gateway();
    auto& caller = start_peer(plain_peer("caller", "alice"));
    ASSERT_TRUE(caller.dial(gw.uri("echo")));
    ASSERT_TRUE(caller.wait_established(20s));
    EXPECT_EQ(gw.terminate(), std::optional<int>(0));
    // The gateway's BYE reaches the caller: baresip closes with "Connection reset by peer".
    const auto reason = caller.wait_closed(10s);
    ASSERT_TRUE(reason) << "caller never saw the gateway hang up";
    EXPECT_NE(reason->find("peer"), std::string::npos) << *reason;
}

TEST_F(GatewayCall, CallThroughKamailioReachesARegisteredSlot) {
    auto& kam = start_kamailio();
    auto& gw = start_gateway(registered_to(kam, 2));
    ASSERT_TRUE(wait_until([&] { return has_aor("sipmediagw.1"); }, 30s));

    auto& caller = start_peer(plain_peer("caller", "alice"));
    ASSERT_TRUE(caller.dial("sip:echo@127.0.0.1:" + std::to_string(kam.port())));
    ASSERT_TRUE(caller.wait_established(20s));
    EXPECT_TRUE(kam.program().wait_for_log(std::regex("INVITE sip:echo@.* -> slot "), 10s));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("answering room_kind=echo"), 10s));
    EXPECT_TRUE(call_stays_up(caller, 3s)) << "call dropped while held";
    ASSERT_TRUE(caller.ctrl().command("hangup"));
    EXPECT_TRUE(caller.wait_closed(10s));
    EXPECT_TRUE(gw.program().wait_for_log(kSessionEnded, 10s));
    EXPECT_EQ(gw.terminate(), std::optional<int>(0));
}

TEST_F(GatewayCall, CallThroughKamailioHungUpByGateway) {
    auto& kam = start_kamailio();
    auto& gw = start_gateway(registered_to(kam, 1));
    ASSERT_TRUE(wait_until([&] { return has_aor("sipmediagw.1"); }, 30s));
    auto& caller = start_peer(plain_peer("caller", "alice"));
    ASSERT_TRUE(caller.dial("sip:echo@127.0.0.1:" + std::to_string(kam.port())));
    ASSERT_TRUE(caller.wait_established(20s));
    EXPECT_EQ(gw.terminate(), std::optional<int>(0));
    // BYE from the gateway travels back through Kamailio (record-routed).
    EXPECT_TRUE(caller.wait_closed(10s));
}

}  // namespace
}  // namespace testsupport

namespace testsupport {
namespace {

// Two gateways with one call slot each behind one Kamailio: whichever slot Kamailio tries first
// for the second call is busy (486), and Kamailio must fail over to the other gateway.
TEST_F(GatewayCall, KamailioFailsOverToAnotherGatewayWhenBusy) {
    auto& kam = start_kamailio();
    start_gateway(registered_to(kam, 1, "gwa"));
    auto gwb = Gateway::start(dir_.path(), registered_to(kam, 1, "gwb"));
    ASSERT_TRUE(gwb) << gwb.error().message;
    ASSERT_TRUE(wait_until([&] { return has_aor("gwa.1") && has_aor("gwb.1"); }, 30s));

    const std::string room = "sip:echo@127.0.0.1:" + std::to_string(kam.port());
    auto& first = start_peer(plain_peer("first", "alice"));
    ASSERT_TRUE(first.dial(room));
    ASSERT_TRUE(first.wait_established(20s));
    auto& second = start_peer(plain_peer("second", "bob"));
    ASSERT_TRUE(second.dial(room));
    EXPECT_TRUE(second.wait_established(20s)) << "second call was not failed over";
    EXPECT_TRUE(
        kam.program().wait_for_log(std::regex("slot answered 486, trying the next one"), 10s));
    // Each gateway carries exactly one of the calls.
    const std::regex answering("answering room_kind=echo");
    EXPECT_TRUE(gateway_->program().wait_for_log(answering, 10s));
    EXPECT_TRUE(gwb->program().wait_for_log(answering, 10s));
    EXPECT_EQ(gwb->terminate(), std::optional<int>(0));
}

}  // namespace
}  // namespace testsupport
