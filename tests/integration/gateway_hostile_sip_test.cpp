// Issue 10: hostile signalling against the real gateway binary, driven by sipp. An oversized
// SDP over TCP is refused with 488 at once and the gateway keeps answering; a host name in c=
// is refused without a lookup; a Latin-1 From display name is answered and shown right; one
// with control characters and invalid UTF-8 is answered, and logs and API show it cleaned. An
// INVITE held while TURN relays are allocated ignores its retransmission and can be cancelled.
#include "gateway_fixture.hpp"
#include "support/http_client.hpp"
#include "support/udp_socket.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <future>
#include <sstream>

namespace testsupport {
namespace {

using GatewayHostileSip = GatewayTest;

// A UDP port on loopback that never answers: a TURN server there keeps every allocation pending
// until the gateway gives up on it (media::Engine::kTurnTimeoutMs).
using SilentUdpPort = UdpSocket;

// Review finding 12: while the relays were allocated there was no server transaction, so libre
// answered a CANCEL 481 and the call was answered later anyway. Now the CANCEL gets 200 and the
// INVITE 487, the slot is free at once, and the retransmitted INVITE before it made no second
// session.
TEST_F(GatewayHostileSip, CancelWhileTurnRelaysAreAllocatedGets487) {
    SilentUdpPort turn;
    GatewayOptions o;
    o.max_calls = 1;
    o.extra_toml = "[turn]\nserver = \"turn:127.0.0.1:" + std::to_string(turn.port()) +
                   "\"\nusername = \"u\"\npassword = \"p\"\n";
    auto& gw = start_gateway(o);
    const auto run =
        sipp(scenario("invite_cancel_while_held.xml", gw.target(), "echo", "u1", {"-nr"}));
    EXPECT_EQ(run.exit_code, 0) << run.messages;
    EXPECT_TRUE(gw.program().wait_for_log(
        std::regex("gateway: sess=\\S+ cancelled while relays were allocated, 487 sent"), 10s));
    const std::string log = gw.program().log();
    const std::regex invite_line("sip: sess=\\S+ INVITE from=");
    EXPECT_EQ(std::distance(std::sregex_iterator(log.begin(), log.end(), invite_line),
                            std::sregex_iterator()),
              1)
        << "the retransmitted INVITE made a second session";
    const auto metrics = http_request(gw.api_port(), "GET", "/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_NE(metrics->body.find("sipmediagw_calls_total{result=\"cancelled\"} 1"),
              std::string::npos)
        << metrics->body;
    EXPECT_NE(metrics->body.find("sipmediagw_call_slots_busy 0"), std::string::npos)
        << metrics->body;
}

// invite_no_common_codec.xml with the review's attack SDP (finding 1): ~9,000 formats that
// match no codec plus fmtp lines, 40 KB (past the 32 KiB bound, under sipp's buffer).
std::filesystem::path write_oversized_scenario(const std::filesystem::path& dir) {
    std::ifstream in(sipp_scenario_dir() / "invite_no_common_codec.xml");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string xml = ss.str();
    std::string media = "      m=audio [media_port] RTP/AVP";
    for (int i = 0; i < 9000; ++i) media += " 127";
    media += "\n      a=rtpmap:127 foo/1\n";
    while (media.size() < 40 * 1024) media += "      a=fmtp:127 x=1;y=2;z=3\n";
    const std::string from = "      m=audio [media_port] RTP/AVP 3\n";
    const auto start = xml.find(from);
    const auto end = xml.find("    ]]>", start);
    EXPECT_NE(start, std::string::npos);
    xml.replace(start, end - start, media);
    const auto path = dir / "invite_oversized_sdp.xml";
    std::ofstream(path) << xml;
    return path;
}

TEST_F(GatewayHostileSip, OversizedSdpOverTcpIsRefusedWith488) {
    auto& gw = start_gateway();
    const auto scenario_path = write_oversized_scenario(dir_.path());
    EXPECT_EQ(sipp(scenario(scenario_path.string(), gw.target(), "echo", "t1")).exit_code, 0);
    EXPECT_TRUE(gw.program().wait_for_log(
        std::regex("rejected status=488 reason=\"SDP Exceeds Limits\" why=\"SDP of [0-9]+ bytes"),
        10s));
    // Still alive and answering on both transports.
    EXPECT_EQ(sipp(scenario("options.xml", gw.target(), {}, "t1")).exit_code, 0);
    EXPECT_EQ(sipp(scenario("options.xml", gw.target())).exit_code, 0);
}

TEST_F(GatewayHostileSip, HostNameInConnectionLineGets488) {
    auto& gw = start_gateway();
    EXPECT_EQ(sipp(scenario("invite_sdp_host_name.xml", gw.target(), "echo")).exit_code, 0);
    EXPECT_TRUE(gw.program().wait_for_log(
        std::regex("rejected status=488 reason=\"SDP Address Must Be An IP\".*host names"), 10s));
}

// Finding 5: a non-UTF-8 name made json::dump() throw later in the join; the name must come out
// decoded as ISO-8859-1, and the call answered.
TEST_F(GatewayHostileSip, Latin1DisplayNameIsAnsweredAndDecoded) {
    auto& gw = start_gateway();
    EXPECT_EQ(sipp(scenario("invite_latin1_from.xml", gw.target(), "echo")).exit_code, 0);
    EXPECT_TRUE(gw.program().wait_for_log(
        std::regex("answering room_kind=echo .* name=\"Salle Zoé Réunion\""), 10s));
}

// Control characters (an ANSI colour escape, DEL, vertical tab, form feed) and a byte that is not
// UTF-8, with a would-be log line after them: the call is answered, and the log and the API show
// the name with the controls dropped and the stray byte read as ISO-8859-1.
TEST_F(GatewayHostileSip, ControlCharactersInDisplayNameAreDroppedEverywhere) {
    auto& gw = start_gateway();
    const std::string hostile = "Eve\x01\x1b[31m\x7f Red\xff\x0b\x0cgateway: sess=forged ended";
    // sipp waits for our BYE, so the call stays up while the API is read.
    auto call = std::async(std::launch::async, [&] {
        return sipp(scenario("invite_display_name_until_bye.xml", gw.target(), "echo", "u1",
                             {"-key", "display", hostile}));
    });
    std::string id;
    nlohmann::json session;
    EXPECT_TRUE(wait_until(
        [&] {
            auto r = http_request(gw.api_port(), "GET", "/api/v1/gateways");
            if (!r || r->status != 200) return false;
            const auto list = nlohmann::json::parse(r->body, nullptr, false);
            if (!list.contains("gateways") || list["gateways"].empty()) return false;
            session = list["gateways"][0];
            id = session.value("id", "");
            return !id.empty();
        },
        30s));
    EXPECT_EQ(session.value("display_name", ""), "Eve[31m Red\u00ffgateway: sess=forged ended")
        << session.dump();
    if (!id.empty()) {
        const auto bye = http_request(gw.api_port(), "DELETE", "/api/v1/gateways/" + id);
        ASSERT_TRUE(bye);
        EXPECT_EQ(bye->status / 100, 2) << bye->body;
    }
    EXPECT_EQ(call.get().exit_code, 0);
    EXPECT_TRUE(gw.program().log_contains(std::regex(
        "answering room_kind=echo .* name=\"Eve\\[31m Red\u00ffgateway: sess=forged ended\"\n")))
        << gw.program().tail();
    // Nothing the caller sent starts a line of its own or reaches the log raw.
    EXPECT_FALSE(gw.program().log_contains(std::regex("\n[^\n]*\\] gateway: sess=forged")));
    const std::string log = gw.program().log();
    for (const char c : {'\x01', '\x1b', '\x7f', '\x0b', '\x0c'})
        EXPECT_EQ(log.find(c), std::string::npos) << "raw byte " << int(c) << " in the log";
}

}  // namespace
}  // namespace testsupport
