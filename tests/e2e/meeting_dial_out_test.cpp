// Dial-out: the demo's HTTP API (127.0.0.1:8080, docs/api.md) starts a gateway that calls a
// baresip peer (answermode auto) and joins room 1234; the observer sees the peer's video and
// the peer hears the meeting (the observer's 660 Hz). DELETE ends the call.
#include "meeting_fixture.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>

namespace {

using namespace std::chrono_literals;

// `sipmediagw demo` keeps the example configuration's [api] listen (docs/cli.md).
constexpr uint16_t kDemoApiPort = 8080;

class MeetingDialOutTest : public e2e::MeetingFixture {};

TEST_F(MeetingDialOutTest, ApiDialsAPeerThatEndsUpInTheRoom) {
    testsupport::TempDir tmp("meeting-dial-out");
    auto gw = e2e::DemoGateway::start(tmp.path());
    ASSERT_TRUE(gw.ok()) << gw.error().message;
    auto& log = gw->program();
    ASSERT_TRUE(log.log_contains(std::regex("api: listening on http://127\\.0\\.0\\.1:8080")))
        << log.tail();
    ASSERT_TRUE(join_observer(*gw));

    testsupport::BaresipOptions o;
    o.name = "callee";
    o.user = "bob";
    o.answermode = "auto";
    o.tone_hz = 440;
    auto callee = testsupport::BaresipPeer::start(tmp.path(), o);
    ASSERT_TRUE(callee.ok()) << callee.error().message;

    const nlohmann::json body = {{"room", "1234"}, {"dial", (*callee)->contact_uri()}};
    auto created = testsupport::http_request(kDemoApiPort, "POST", "/api/v1/gateways", body.dump(),
                                             "Content-Type: application/json\r\n");
    ASSERT_TRUE(created.ok()) << created.error().message;
    ASSERT_EQ(created->status, 201) << created->body;
    const auto gateway = nlohmann::json::parse(created->body, nullptr, false);
    ASSERT_TRUE(gateway.is_object() && gateway.contains("id")) << created->body;
    const std::string id = gateway["id"].get<std::string>();

    ASSERT_TRUE((*callee)->wait_established(30s)) << log.tail(40);
    ASSERT_TRUE(log.wait_for_log(std::regex("state joining -> in_call"), 90s)) << log.tail(80);
    auto status = testsupport::http_request(kDemoApiPort, "GET", "/api/v1/gateways/" + id);
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_NE(status->body.find("\"in_call\""), std::string::npos) << status->body;

    const auto obs = observed([](const browser::Json& o) {
        return o.is_object() && o["frames"].get<int>() >= 60 &&
               std::abs(o["peakHz"].get<double>() - 440) < 30 && o["levelDb"].get<double>() > -70;
    });
    EXPECT_GE(obs["frames"].get<int>(), 60) << obs.dump();
    EXPECT_NEAR(obs["peakHz"].get<double>(), 440, 30) << obs.dump();
    const auto heard = caller_hears(**callee, 660);
    std::printf("[ measure ] dialled peer hears 660 Hz at %.1f dB (all: %.1f dB)\n", heard.tone_db,
                heard.total_db);
    EXPECT_GT(heard.tone_db, -40) << "the meeting's audio did not reach the dialled peer";
    EXPECT_GT(heard.tone_db, heard.total_db - 3);

    auto stopped = testsupport::http_request(kDemoApiPort, "DELETE", "/api/v1/gateways/" + id);
    ASSERT_TRUE(stopped.ok()) << stopped.error().message;
    EXPECT_LT(stopped->status, 300) << stopped->body;
    EXPECT_TRUE((*callee)->wait_closed(30s)) << "DELETE did not hang up";
    EXPECT_TRUE(log.wait_for_log(std::regex("ended, 0 active"), 30s)) << log.tail(40);

    leave_observer();
    EXPECT_TRUE(gw->terminate()) << log.tail(40);
    const std::string left = gw->browsers_left(30s);
    EXPECT_TRUE(left.empty()) << left;
}

}  // namespace
