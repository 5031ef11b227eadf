// Issue 11, faults survived: Kamailio restarted while a call it routed is up. Kamailio keeps
// registrations in memory only (usrloc db_mode 0), so the restarted one knows no gateway slot;
// the call in progress does not need it (media flows between the caller and the gateway, and
// in-dialog requests follow the Record-Route), and the gateway's next REGISTER refresh (libre's
// sipreg, before `expires` runs out) makes the slot reachable again for new calls.
#include "gateway_fixture.hpp"
#include "registered_gateway.hpp"

#include <cstdio>

namespace testsupport {
namespace {

class KamailioRestart : public GatewayTest {};

// Bytes of decoded audio the caller recorded so far (baresip's sndfile writes what it decodes
// from received RTP, so the file only grows while media arrives).
std::uintmax_t recorded_bytes(const BaresipPeer& peer) {
    const auto wav = peer.received_audio();
    std::error_code ec;
    const auto size = wav ? std::filesystem::file_size(*wav, ec) : 0;
    return ec ? 0 : size;
}

bool media_grows(const BaresipPeer& peer) {
    const auto start = recorded_bytes(peer);
    // Decoded audio is at least 16 kB a second (8 kHz, 16 bits): 32 kB more is ≤ 2 s of it.
    return wait_until([&] { return recorded_bytes(peer) > start + 32000; }, 30s, 250ms);
}

TEST_F(KamailioRestart, CallGoesOnAndSlotsReRegisterForNewCalls) {
    auto& kam = start_kamailio();
    GatewayOptions o = registered_to(kam, 2);
    o.expires = 60;  // the smallest the gateway accepts: bounds how long a restart is felt
    auto& gw = start_gateway(o);
    ASSERT_TRUE(
        wait_until([&] { return has_aor("sipmediagw.1") && has_aor("sipmediagw.2"); }, 30s));
    const std::string room = "sip:echo@127.0.0.1:" + std::to_string(kam.port());

    auto& first = start_peer(plain_peer("first", "alice"));
    ASSERT_TRUE(first.dial(room));
    ASSERT_TRUE(first.wait_established(20s));
    ASSERT_TRUE(media_grows(first)) << "no echo before the restart";

    const auto restarted_at = std::chrono::steady_clock::now();
    ASSERT_TRUE(kam.restart());

    // The call it routed goes on: still up, the echo still arriving.
    EXPECT_TRUE(call_stays_up(first, 3s)) << "call dropped by the restart";
    EXPECT_TRUE(media_grows(first)) << "media stopped after the restart";

    // The restarted Kamailio only knows a slot from a REGISTER it received itself.
    ASSERT_TRUE(
        kam.program().wait_for_log(std::regex("smgw: slot sipmediagw\\.\\d registered"), 120s))
        << "the gateway did not register again";
    const double after_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - restarted_at).count();
    std::printf("[ measure ] slots registered again %.1f s after the restart (expires=60)\n",
                after_s);

    // A new call through the restarted Kamailio reaches the gateway; the first one is still up.
    auto& second = start_peer(plain_peer("second", "bob"));
    ASSERT_TRUE(second.dial(room));
    EXPECT_TRUE(second.wait_established(20s)) << gw.program().tail(40);
    EXPECT_TRUE(media_grows(second));
    EXPECT_TRUE(first.call_is_established());
    EXPECT_TRUE(media_grows(first));

    // BYEs travel through the restarted Kamailio along the recorded route.
    ASSERT_TRUE(first.ctrl().command("hangup"));
    ASSERT_TRUE(second.ctrl().command("hangup"));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("ended, 0 active"), 20s))
        << gw.program().tail(40);
}

}  // namespace
}  // namespace testsupport
