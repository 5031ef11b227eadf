// Issue 2, calls from baresip: through Kamailio (to a registered slot) and directly; answered,
// held, hung up from either side.
#include "gateway_fixture.hpp"

namespace testsupport {
namespace {

using GatewayCall = GatewayTest;

const std::regex kSessionEnded("gateway: sess=\\S+ ended");

TEST_F(GatewayCall, DirectCallAnsweredHeldAndHungUpByCaller) {
    auto& gw = start_gateway();
    auto& caller = start_peer(plain_peer("caller", "alice"));
    ASSERT_TRUE(caller.dial(gw.uri("testroom")));
    ASSERT_TRUE(caller.wait_established(20s));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("answering .*room=\"testroom\""), 10s));
    EXPECT_TRUE(call_stays_up(caller, 3s)) << "call dropped while held";
    ASSERT_TRUE(caller.ctrl().command("hangup"));
    EXPECT_TRUE(caller.wait_closed(10s));
    EXPECT_TRUE(gw.program().wait_for_log(kSessionEnded, 10s));
    EXPECT_EQ(gw.terminate(), std::optional<int>(0));
}

TEST_F(GatewayCall, DirectCallOverTcp) {
    auto& gw = start_gateway();
    auto& caller = start_peer(plain_peer("caller", "alice", "tcp"));
    ASSERT_TRUE(caller.dial(gw.uri("testroom") + ";transport=tcp"));
    ASSERT_TRUE(caller.wait_established(20s));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("INVITE .*transport=TCP"), 10s));
    ASSERT_TRUE(caller.ctrl().command("hangup"));
    EXPECT_TRUE(caller.wait_closed(10s));
    EXPECT_TRUE(gw.program().wait_for_log(kSessionEnded, 10s));
}

TEST_F(GatewayCall, GatewayShutdownHangsUpActiveCall) {
    auto& gw = start_gateway();
    auto& caller = start_peer(plain_peer("caller", "alice"));
    ASSERT_TRUE(caller.dial(gw.uri("testroom")));
    ASSERT_TRUE(caller.wait_established(20s));
    EXPECT_EQ(gw.terminate(), std::optional<int>(0));
    // The gateway's BYE reaches the caller: baresip closes with "Connection reset by peer".
    const auto reason = caller.wait_closed(10s);
    ASSERT_TRUE(reason) << "caller never saw the gateway hang up";
    EXPECT_NE(reason->find("peer"), std::string::npos) << *reason;
}

TEST_F(GatewayCall, CallThroughKamailioReachesARegisteredSlot) {
    auto& kam = start_kamailio();
    GatewayOptions o;
    o.registrar_server = kam.uri() + ";transport=udp";
    o.registrar_secret = kam.secret();
    o.slots = 2;
    o.max_calls = 2;
    auto& gw = start_gateway(o);
    ASSERT_TRUE(wait_until([&] { return has_aor("sipmediagw.1"); }, 30s));

    auto& caller = start_peer(plain_peer("caller", "alice"));
    ASSERT_TRUE(caller.dial("sip:testroom@127.0.0.1:" + std::to_string(kam.port())));
    ASSERT_TRUE(caller.wait_established(20s));
    EXPECT_TRUE(kam.program().log_contains(std::regex("INVITE sip:testroom@.* -> slot ")));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("answering .*room=\"testroom\""), 10s));
    EXPECT_TRUE(call_stays_up(caller, 3s)) << "call dropped while held";
    ASSERT_TRUE(caller.ctrl().command("hangup"));
    EXPECT_TRUE(caller.wait_closed(10s));
    EXPECT_TRUE(gw.program().wait_for_log(kSessionEnded, 10s));
    EXPECT_EQ(gw.terminate(), std::optional<int>(0));
}

TEST_F(GatewayCall, CallThroughKamailioHungUpByGateway) {
    auto& kam = start_kamailio();
    GatewayOptions o;
    o.registrar_server = kam.uri() + ";transport=udp";
    o.registrar_secret = kam.secret();
    o.slots = 1;
    o.max_calls = 1;
    auto& gw = start_gateway(o);
    ASSERT_TRUE(wait_until([&] { return has_aor("sipmediagw.1"); }, 30s));
    auto& caller = start_peer(plain_peer("caller", "alice"));
    ASSERT_TRUE(caller.dial("sip:testroom@127.0.0.1:" + std::to_string(kam.port())));
    ASSERT_TRUE(caller.wait_established(20s));
    EXPECT_EQ(gw.terminate(), std::optional<int>(0));
    // BYE from the gateway travels back through Kamailio (record-routed).
    EXPECT_TRUE(caller.wait_closed(10s));
}

}  // namespace
}  // namespace testsupport
