// Issue 5, the HTTP API over real HTTP against `sipmediagw serve`: auth, the reference launcher
// call and the call it announces, capacity (HTTP and SIP), bad requests, dial-out to an
// auto-answering baresip, metrics.
#include "gateway_fixture.hpp"
#include "registered_gateway.hpp"
#include "support/http_client.hpp"
#include "support/ports.hpp"

#include <nlohmann/json.hpp>

namespace testsupport {
namespace {

class GatewayApiTest : public GatewayTest {
protected:
    HttpReply http(const std::string& method, const std::string& target,
                   const std::string& body = {}, const std::string& headers = {}) {
        auto r = http_request(gateway_->api_port(), method, target, body,
                              headers.empty() && !token_.empty()
                                  ? "Authorization: Bearer " + token_ + "\r\n"
                                  : headers);
        if (!r) {
            ADD_FAILURE() << method << " " << target << ": " << r.error().message;
            return {};
        }
        return *r;
    }
    HttpReply post_json(const std::string& target, const std::string& body) {
        std::string h = "Content-Type: application/json\r\n";
        if (!token_.empty()) h += "Authorization: Bearer " + token_ + "\r\n";
        return http("POST", target, body, h);
    }
    static nlohmann::json json(const HttpReply& r) {
        return nlohmann::json::parse(r.body, nullptr, false);
    }
    // The gateway's view of one id ("" when it is not listed).
    std::string state_of(const std::string& id) {
        auto r = http("GET", "/api/v1/gateways/" + id);
        return r.status == 200 ? json(r).value("state", "") : "";
    }
    std::string token_;
};

TEST_F(GatewayApiTest, TokenIsRequiredExceptForHealth) {
    GatewayOptions o;
    o.api_token = "s3cret-token";
    auto& gw = start_gateway(o);
    const auto none = http_request(gw.api_port(), "GET", "/api/v1/gateways");
    ASSERT_TRUE(none);
    EXPECT_EQ(none->status, 401);
    EXPECT_TRUE(none->headers.contains("www-authenticate"));
    EXPECT_EQ(json(*none)["error"]["status"], 401) << none->body;
    const auto wrong = http_request(gw.api_port(), "GET", "/api/v1/gateways", {},
                                    "Authorization: Bearer s3cret-tokeN\r\n");
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 401);
    EXPECT_EQ(json(*wrong)["error"]["message"], "wrong token");
    const auto right = http_request(gw.api_port(), "GET", "/api/v1/gateways", {},
                                    "Authorization: Bearer s3cret-token\r\n");
    ASSERT_TRUE(right);
    EXPECT_EQ(right->status, 200) << right->body;
    const auto health = http_request(gw.api_port(), "GET", "/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200) << health->body;
    EXPECT_EQ(json(*health)["status"], "ok");
}

TEST_F(GatewayApiTest, HealthIsDegradedWhileNoSlotIsRegistered) {
    GatewayOptions o;
    // A registrar nobody answers on (a free port on 127.0.0.1): the slots never register.
    o.registrar_server = "sip:127.0.0.1:" + std::to_string(free_port()) + ";transport=udp";
    o.registrar_secret = "x";
    o.slots = 1;
    auto& gw = start_gateway(o);
    const auto h = http_request(gw.api_port(), "GET", "/healthz");
    ASSERT_TRUE(h);
    EXPECT_EQ(h->status, 503) << h->body;
    EXPECT_EQ(json(*h)["status"], "degraded");
    EXPECT_EQ(json(*h)["reason"], "no registration slot is registered");
    const auto m = http("GET", "/metrics");
    EXPECT_NE(m.body.find("sipmediagw_registration_registered{slot=\"sipmediagw.1\""),
              std::string::npos)
        << m.body;
}

TEST_F(GatewayApiTest, StartListStatusStop) {
    auto& gw = start_gateway();
    const auto created = post_json("/api/v1/gateways", R"({"room":"weekly"})");
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string id = json(created)["id"];
    EXPECT_EQ(created.headers.at("location"), "/api/v1/gateways/" + id);
    EXPECT_EQ(json(created)["uri"], gw.uri("weekly"));
    const auto list = http("GET", "/api/v1/gateways");
    ASSERT_EQ(list.status, 200);
    ASSERT_EQ(json(list)["gateways"].size(), 1u) << list.body;
    EXPECT_EQ(json(list)["gateways"][0]["id"], id);
    EXPECT_EQ(state_of(id), "reserved");
    EXPECT_EQ(http("DELETE", "/api/v1/gateways/" + id).status, 200);
    EXPECT_EQ(http("GET", "/api/v1/gateways/" + id).status, 404);
    EXPECT_EQ(http("DELETE", "/api/v1/gateways/" + id).status, 404);
    EXPECT_TRUE(json(http("GET", "/api/v1/gateways"))["gateways"].empty());
}

// The launcher call changes state through a GET: it needs the token (docs/security.md).
TEST_F(GatewayApiTest, LauncherReservationBindsTheNextCallToTheRoom) {
    GatewayOptions o;
    o.api_token = token_ = "launcher-token";
    auto& gw = start_gateway(o);
    const auto r = http("GET", "/sipmediagw?room=board42&from=alice");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto body = json(r);
    EXPECT_EQ(body["res"], "ok");
    EXPECT_EQ(body["app"], "sipmediagw");
    ASSERT_EQ(body["uri"], gw.uri("board42"));
    const std::string id = body["id"];

    auto& caller = start_peer(plain_peer("caller", "alice"));
    ASSERT_TRUE(caller.dial(body["uri"].get<std::string>()));
    ASSERT_TRUE(caller.wait_established(20s));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("fulfils reservation " + id), 10s));
    // The call carries the reservation's id and room; a meeting room waits in "joining".
    EXPECT_TRUE(wait_until([&] { return state_of(id) == "joining"; }, 10s)) << state_of(id);
    EXPECT_EQ(json(http("GET", "/api/v1/gateways/" + id))["room"], "board42");
    EXPECT_EQ(json(http("GET", "/api/v1/gateways"))["gateways"].size(), 1u);
    ASSERT_TRUE(caller.ctrl().command("hangup"));
    EXPECT_TRUE(wait_until([&] { return state_of(id).empty(); }, 10s));
}

// The API's display_name is the caller's name in the meeting (the session's JoinRequest), not
// the one SIP brings, for a reserved call and for a dial-out alike.
TEST_F(GatewayApiTest, DisplayNameFromTheApiReachesTheSession) {
    auto& gw = start_gateway();
    const auto created =
        post_json("/api/v1/gateways", R"j({"room":"board42","display_name":"Board room (API)"})j");
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string id = json(created)["id"];
    EXPECT_EQ(json(created)["display_name"], "Board room (API)");
    auto& caller = start_peer(plain_peer("caller", "alice"));
    ASSERT_TRUE(caller.dial(json(created)["uri"].get<std::string>()));
    ASSERT_TRUE(caller.wait_established(20s));
    EXPECT_TRUE(wait_until([&] { return state_of(id) == "joining"; }, 10s)) << state_of(id);
    EXPECT_EQ(json(http("GET", "/api/v1/gateways/" + id))["display_name"], "Board room (API)");

    BaresipOptions po = plain_peer("callee", "bob");
    po.answermode = "auto";
    auto& callee = start_peer(po);
    const auto dialled = post_json(
        "/api/v1/gateways",
        nlohmann::json{{"dial", callee.contact_uri()}, {"room", "staff"}, {"display_name", "Hall"}}
            .dump());
    ASSERT_EQ(dialled.status, 201) << dialled.body;
    EXPECT_EQ(json(dialled)["display_name"], "Hall");
    ASSERT_TRUE(caller.ctrl().command("hangup"));
    EXPECT_TRUE(wait_until([&] { return state_of(id).empty(); }, 10s));
    (void)gw;
}

TEST_F(GatewayApiTest, ReservationExpiresWithoutACall) {
    GatewayOptions o;
    o.reservation_timeout_s = 5;  // the smallest accepted
    o.api_token = token_ = "launcher-token";
    auto& gw = start_gateway(o);
    const auto r = http("GET", "/sipmediagw?room=r1");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(wait_until([&] { return state_of(json(r)["id"]).empty(); }, 30s));
    EXPECT_TRUE(gw.program().log_contains(std::regex("reservation released cause=\"no call")));
}

TEST_F(GatewayApiTest, FullGatewayAnswers503OverHttpAndBusyOverSip) {
    GatewayOptions o;
    o.max_calls = 1;
    o.api_token = token_ = "launcher-token";
    auto& gw = start_gateway(o);
    // A launcher asking for another registration prefix is sent elsewhere, even with a free slot.
    const auto other_prefix = http("GET", "/sipmediagw?room=r1&prefix=eu");
    EXPECT_EQ(other_prefix.status, 503);
    EXPECT_EQ(json(other_prefix)["message"], "no call slot with prefix 'eu' here");
    const auto first = http("GET", "/sipmediagw?room=r1");
    ASSERT_EQ(first.status, 200) << first.body;
    // The reservation holds the only slot: HTTP and SIP both see the gateway full.
    const auto second = http("GET", "/sipmediagw?room=r2");
    EXPECT_EQ(second.status, 503);
    EXPECT_EQ(json(second)["res"], "error");
    EXPECT_EQ(json(second)["type"], "No free resources found");
    EXPECT_EQ(json(second)["message"], "all 1 call slots are busy (1 reserved)") << second.body;
    const auto api = post_json("/api/v1/gateways", R"({"room":"r3"})");
    EXPECT_EQ(api.status, 503);
    EXPECT_EQ(json(api)["error"]["type"], "capacity") << api.body;
    auto& caller = start_peer(plain_peer("caller", "alice"));
    ASSERT_TRUE(caller.dial(gw.uri("other")));
    const auto reason = caller.wait_closed(20s);
    ASSERT_TRUE(reason);
    EXPECT_NE(reason->find("486"), std::string::npos) << *reason;
    EXPECT_TRUE(
        gw.program().wait_for_log(std::regex("all 1 call slots are busy \\(1 reserved\\)"), 5s));
    // Freeing the reservation frees the slot.
    EXPECT_EQ(http("DELETE", "/api/v1/gateways/" + json(first)["id"].get<std::string>()).status,
              200);
    EXPECT_EQ(http("GET", "/sipmediagw?room=r2").status, 200);
}

TEST_F(GatewayApiTest, BadRequestsGet400WithAMessage) {
    start_gateway();
    const auto not_json = post_json("/api/v1/gateways", "{room:");
    EXPECT_EQ(not_json.status, 400);
    EXPECT_EQ(json(not_json)["error"]["message"], "the body is not valid JSON");
    const auto unknown = post_json("/api/v1/gateways", R"({"rooom":"x"})");
    EXPECT_EQ(unknown.status, 400);
    EXPECT_NE(json(unknown)["error"]["message"].get<std::string>().find("rooom"),
              std::string::npos);
    const auto bad_room = post_json("/api/v1/gateways", R"({"room":"a b"})");
    EXPECT_EQ(bad_room.status, 400) << bad_room.body;
    const auto bad_dial = post_json("/api/v1/gateways", R"({"dial":"http://x"})");
    EXPECT_EQ(bad_dial.status, 400) << bad_dial.body;
    EXPECT_EQ(http("GET", "/api/v1/nothing").status, 404);
}

TEST_F(GatewayApiTest, DialOutToAnAutoAnsweringPeer) {
    auto& gw = start_gateway();
    BaresipOptions po = plain_peer("callee", "bob");
    po.answermode = "auto";
    auto& callee = start_peer(po);
    const auto created =
        post_json("/api/v1/gateways",
                  nlohmann::json{{"dial", callee.contact_uri()}, {"room", "echo"}}.dump());
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string id = json(created)["id"];
    EXPECT_TRUE(wait_until([&] { return state_of(id) == "in_call"; }, 20s)) << state_of(id);
    EXPECT_TRUE(wait_until([&] { return callee.call_is_established(); }, 10s));
    // A meeting room instead of echo ends in "joining" (the meeting flow takes over there).
    auto& callee2 = start_peer([&] {
        BaresipOptions p = plain_peer("callee2", "carol");
        p.answermode = "auto";
        return p;
    }());
    const auto meeting =
        post_json("/api/v1/gateways",
                  nlohmann::json{{"dial", callee2.contact_uri()}, {"room", "staff"}}.dump());
    ASSERT_EQ(meeting.status, 201) << meeting.body;
    const std::string id2 = json(meeting)["id"];
    EXPECT_TRUE(wait_until([&] { return state_of(id2) == "joining"; }, 20s)) << state_of(id2);
    // Stop hangs the call up with BYE.
    EXPECT_EQ(http("DELETE", "/api/v1/gateways/" + id).status, 200);
    EXPECT_TRUE(callee.wait_closed(10s));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("sess=" + id + " ended"), 10s));
}

TEST_F(GatewayApiTest, MetricsHaveTheFamilies) {
    auto& gw = start_gateway();
    auto& caller = start_peer(plain_peer("caller", "alice"));
    ASSERT_TRUE(caller.dial(gw.uri("echo")));
    ASSERT_TRUE(caller.wait_established(20s));
    HttpReply m;
    // Media counters show once packets flowed.
    EXPECT_TRUE(wait_until(
        [&] {
            m = http("GET", "/metrics");
            // ... and the default warm spare ([browser] spares = 1) has started.
            return m.body.find("sipmediagw_media_packets_received_total{") != std::string::npos &&
                   m.body.find("sipmediagw_browser_pool_size 1") != std::string::npos;
        },
        20s))
        << m.body;
    EXPECT_EQ(m.status, 200);
    for (const char* family :
         {"sipmediagw_sessions{state=\"in_call\"} 1",
          "sipmediagw_calls_total{result=\"answered\"} 1", "sipmediagw_call_slots 4",
          "sipmediagw_call_slots_busy 1", "sipmediagw_browser_pool_size 1",
          "sipmediagw_browser_pool_starting 0", "sipmediagw_browser_pool_held 0",
          "# TYPE sipmediagw_calls_total counter"})
        EXPECT_NE(m.body.find(family), std::string::npos) << family << "\n" << m.body;
}

// Two registered instances behind Kamailio (deploy/kamailio/kamailio.cfg), one slot each. A
// launcher reservation fills gwa: a call to a room goes to gwb (gwa answers 486 if tried), and
// the reservation's slot URI, dialled through Kamailio, reaches gwa and its reserved room.
TEST_F(GatewayApiTest, ThroughKamailioAReservedInstanceIsSkipped) {
    auto& kam = start_kamailio();
    auto gwa_options = registered_to(kam, 1, "gwa");
    gwa_options.api_token = token_ = "launcher-token";
    auto& gwa = start_gateway(gwa_options);
    auto gwb = Gateway::start(dir_.path(), registered_to(kam, 1, "gwb"));
    ASSERT_TRUE(gwb) << gwb.error().message;
    ASSERT_TRUE(wait_until([&] { return has_aor("gwa.1") && has_aor("gwb.1"); }, 30s));

    const auto r = http("GET", "/sipmediagw?room=board");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json(r)["uri"], "sip:gwa.1@127.0.0.1");
    const std::string id = json(r)["id"];

    auto& first = start_peer(plain_peer("first", "alice"));
    ASSERT_TRUE(first.dial("sip:testroom@127.0.0.1:" + std::to_string(kam.port())));
    ASSERT_TRUE(first.wait_established(20s)) << "the free instance did not get the call";
    EXPECT_TRUE(gwb->program().wait_for_log(std::regex("answering .*room=\"testroom\""), 10s));
    EXPECT_FALSE(gwa.program().log_contains(std::regex("answering .*room=\"testroom\"")));

    // The reserved slot's AOR, through Kamailio (the test dials the proxy's port).
    auto& second = start_peer(plain_peer("second", "bob"));
    ASSERT_TRUE(second.dial("sip:gwa.1@127.0.0.1:" + std::to_string(kam.port())));
    ASSERT_TRUE(second.wait_established(20s));
    EXPECT_TRUE(gwa.program().wait_for_log(std::regex("fulfils reservation " + id), 10s));
    EXPECT_TRUE(gwa.program().wait_for_log(std::regex("sess=" + id + " join room=\"board\""), 10s));
    EXPECT_EQ(gwb->terminate(), std::optional<int>(0));
}

}  // namespace
}  // namespace testsupport
