// Issue 14, content sharing: the SDP corners of the content and BFCP lines driven by sipp
// against the gateway binary, and the room's floor requests over the wire to the gateway's own
// floor control server (a BFCP client from libre, tests/support/bfcp_client).
#include "core/control_loop.hpp"
#include "gateway_fixture.hpp"
#include "media/dtls_identity.hpp"
#include "support/bfcp_client.hpp"
#include "support/http_client.hpp"

#include <nlohmann/json.hpp>

#include <future>

namespace testsupport {
namespace {

using GatewayBfcp = GatewayTest;

TEST_F(GatewayBfcp, UdpClientOnlyAnsweredAsServer) {
    auto& gw = start_gateway();
    EXPECT_EQ(sipp(scenario("bfcp_udp_client_only.xml", gw.target(), "echo")).exit_code, 0);
    EXPECT_TRUE(gw.program().wait_for_log(
        std::regex("bfcp: sess=\\S+ floor control on UDP/BFCP port=[1-9][0-9]* floor=2 "), 10s));
}

TEST_F(GatewayBfcp, UdpClientOrServerAnsweredAsServer) {
    auto& gw = start_gateway();
    EXPECT_EQ(sipp(scenario("bfcp_udp_client_or_server.xml", gw.target(), "echo")).exit_code, 0);
}

TEST_F(GatewayBfcp, MissingFlooridMeansFloorOne) {
    auto& gw = start_gateway();
    EXPECT_EQ(sipp(scenario("bfcp_udp_no_floorid.xml", gw.target(), "echo")).exit_code, 0);
}

TEST_F(GatewayBfcp, TcpBfcpAnsweredPassive) {
    auto& gw = start_gateway();
    EXPECT_EQ(sipp(scenario("bfcp_tcp.xml", gw.target(), "echo")).exit_code, 0);
}

TEST_F(GatewayBfcp, TlsBfcpWithoutFingerprintRefusedWithPortZero) {
    auto& gw = start_gateway();
    EXPECT_EQ(sipp(scenario("bfcp_tls_refused.xml", gw.target(), "echo")).exit_code, 0);
    EXPECT_TRUE(gw.program().wait_for_log(
        std::regex("gateway: sess=\\S+ bfcp: TCP/TLS/BFCP with no a=fingerprint line \\(port 0\\)"),
        10s));
}

// The room wants to be the floor control server: we are only ever the server (rooms calling
// a bridge are clients; being one would need a second BFCP role for no endpoint we know).
TEST_F(GatewayBfcp, ServerOnlyOfferRefusedWithPortZero) {
    auto& gw = start_gateway();
    EXPECT_EQ(sipp(scenario("bfcp_udp_server_only.xml", gw.target(), "echo")).exit_code, 0);
    EXPECT_TRUE(gw.program().wait_for_log(
        std::regex("gateway: sess=\\S+ bfcp: the offer wants to be floor control server "
                   "\\(s-only\\) \\(port 0\\)"),
        10s));
}

TEST_F(GatewayBfcp, ContentAddedThenRemovedByReInvite) {
    auto& gw = start_gateway();
    EXPECT_EQ(sipp(scenario("bfcp_content_reinvite.xml", gw.target(), "echo")).exit_code, 0);
    EXPECT_TRUE(gw.program().wait_for_log(
        std::regex("bfcp: sess=\\S+ floor control off \\(no BFCP line in the offer\\)"), 10s));
}

TEST_F(GatewayBfcp, BfcpLineMovesByReInvite) {
    auto& gw = start_gateway();
    EXPECT_EQ(sipp(scenario("bfcp_moves_reinvite.xml", gw.target(), "echo")).exit_code, 0);
    EXPECT_TRUE(
        gw.program().wait_for_log(std::regex("bfcp: sess=\\S+ floor control on TCP/BFCP "), 10s));
    EXPECT_TRUE(gw.program().wait_for_log(
        std::regex("bfcp: sess=\\S+ floor control on UDP/BFCP port=[1-9][0-9]* floor=2 "), 10s));
    EXPECT_TRUE(gw.program().wait_for_log(
        std::regex("bfcp: sess=\\S+ floor control off \\(no BFCP line in the offer\\)"), 10s));
}

// Re-INVITE glare on a call with content and BFCP: the room's re-INVITE while the gateway's
// session refresh is pending gets 491; the gateway's, refused 491 by the room, is sent again
// (libre retries after 1 s) and the floor control line survives both.
TEST_F(GatewayBfcp, ReInviteGlareGets491AndOursIsRetried) {
    GatewayOptions o;
    o.extra_toml = "[media]\nmedia_timeout_s = 0\n";  // sipp sends no RTP for the 45 s wait
    auto& gw = start_gateway(o);
    auto options = scenario("reinvite_glare.xml", gw.target(), "echo");
    options.timeout = std::chrono::seconds(150);  // the refresh comes after 45 s
    const auto run = sipp(options);
    EXPECT_EQ(run.exit_code, 0) << run.log << run.errors;
    EXPECT_TRUE(gw.program().wait_for_log(
        std::regex("bfcp: sess=\\S+ floor control on UDP/BFCP port=[1-9][0-9]* floor=1 "), 10s));
    // The answer to our refresh keeps the content and BFCP lines (it used to drop them).
    EXPECT_EQ(gw.program().log().find("floor control off"), std::string::npos);
}

// The room requests the floor from the gateway's server, is granted, releases it; the call
// logs both; the API ends the call (BYE to sipp).
void room_takes_and_releases_the_floor(Gateway& gw, BfcpClient::Transport transport,
                                       const std::string& scenario_file, const std::string& proto,
                                       SippRun& run) {
    // TLS: the room's certificate, named in its offer's a=fingerprint.
    std::string pem;
    std::vector<std::string> keys;
    if (transport == BfcpClient::Transport::Tls) {
        auto identity = media::make_dtls_identity();
        ASSERT_TRUE(identity.ok()) << identity.error().message;
        pem = identity->pem;
        keys = {"-key", "fingerprint", identity->fingerprint};
    }
    auto call = std::async(std::launch::async, [&] {
        return run_sipp(gw.program().log_path().parent_path(),
                        scenario(scenario_file, gw.target(), "echo", "u1", keys));
    });
    const std::regex on("bfcp: sess=(\\S+) floor control on " + proto +
                        " port=(\\d+) floor=1 confid=(\\d+) userid=(\\d+)");
    EXPECT_TRUE(gw.program().wait_for_log(on, 30s)) << "no BFCP line accepted";
    std::smatch m;
    const std::string log = gw.program().log();
    if (std::regex_search(log, m, on)) {
        const std::string session = m[1];
        {
            core::LibreRuntime libre;
            core::ControlLoop loop;
            BfcpClient room(transport, "127.0.0.1", static_cast<uint16_t>(std::stoul(m[2])),
                            static_cast<uint32_t>(std::stoul(m[3])),
                            static_cast<uint16_t>(std::stoul(m[4])),
                            transport == BfcpClient::Transport::Udp ? 2 : 1, pem);
            EXPECT_TRUE(room.ok());
            auto run_until = [&](const std::function<bool()>& pred) {
                const auto deadline = std::chrono::steady_clock::now() + 30s;
                core::Timer poll;
                std::function<void()> check = [&] {
                    if (pred() || std::chrono::steady_clock::now() >= deadline) {
                        loop.stop();
                        return;
                    }
                    poll.start(10, check);
                };
                poll.start(0, check);
                loop.run();
                return pred();
            };
            EXPECT_TRUE(run_until([&] { return room.connected(); }));
            room.hello();
            EXPECT_TRUE(run_until([&] { return room.count(BFCP_HELLO_ACK, true) == 1; }));
            room.request_floor(1);
            EXPECT_TRUE(run_until([&] { return room.state_of(1) == BFCP_GRANTED; }));
            EXPECT_TRUE(gw.program().wait_for_log(
                std::regex("gateway: sess=" + session + " content floor taken by the room"), 10s));
            const auto view = http_request(gw.api_port(), "GET", "/api/v1/gateways/" + session);
            EXPECT_TRUE(view.ok() && view->status == 200);
            if (view.ok()) {
                const auto j = nlohmann::json::parse(view->body, nullptr, false);
                EXPECT_EQ(j.value("content_floor", "?"), "room") << view->body;
                EXPECT_EQ(j.value("content_bfcp", "?"), proto) << view->body;
                EXPECT_EQ(j.value("content_codec", "?"), "VP8") << view->body;
            }
            room.release_floor(1);
            EXPECT_TRUE(run_until([&] { return room.state_of(1) == BFCP_RELEASED; }));
            EXPECT_TRUE(gw.program().wait_for_log(
                std::regex("gateway: sess=" + session + " content floor released by the room"),
                10s));
        }
        const auto hangup = http_request(gw.api_port(), "DELETE", "/api/v1/gateways/" + session);
        EXPECT_TRUE(hangup.ok() && hangup->status == 200);
    }
    auto r = call.get();
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (r.ok()) run = *r;
}

TEST_F(GatewayBfcp, RoomTakesAndReleasesTheFloorOverUdp) {
    auto& gw = start_gateway();
    SippRun run;
    room_takes_and_releases_the_floor(gw, BfcpClient::Transport::Udp, "bfcp_udp_until_bye.xml",
                                      "UDP/BFCP", run);
    EXPECT_EQ(run.exit_code, 0);
}

TEST_F(GatewayBfcp, RoomTakesAndReleasesTheFloorOverTcp) {
    auto& gw = start_gateway();
    SippRun run;
    room_takes_and_releases_the_floor(gw, BfcpClient::Transport::Tcp, "bfcp_tcp_until_bye.xml",
                                      "TCP/BFCP", run);
    EXPECT_EQ(run.exit_code, 0);
}

TEST_F(GatewayBfcp, RoomTakesAndReleasesTheFloorOverTls) {
    auto& gw = start_gateway();
    SippRun run;
    room_takes_and_releases_the_floor(gw, BfcpClient::Transport::Tls, "bfcp_tls_until_bye.xml",
                                      "TCP/TLS/BFCP", run);
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_TRUE(gw.program().wait_for_log(
        std::regex("bfcp: sess=\\S+ TLS client certificate matches the offer's fingerprint"), 10s));
}

}  // namespace
}  // namespace testsupport
