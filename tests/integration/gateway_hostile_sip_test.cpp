// Issue 10: hostile signalling against the real gateway binary, driven by sipp. An oversized
// SDP over TCP is refused with 488 at once and the gateway keeps answering; a host name in c=
// is refused without a lookup; a Latin-1 From display name is answered and shown right.
#include "gateway_fixture.hpp"

#include <fstream>
#include <sstream>

namespace testsupport {
namespace {

using GatewayHostileSip = GatewayTest;

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

}  // namespace
}  // namespace testsupport
