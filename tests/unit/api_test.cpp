#include "api/bearer_auth.hpp"
#include "api/gateway_api.hpp"
#include "api/http_message.hpp"
#include "api/prometheus.hpp"
#include "api/request_guard.hpp"
#include "api/router.hpp"
#include "core/text.hpp"

#include <gtest/gtest.h>

namespace {

using api::HttpRequest;
using api::HttpResponse;

TEST(ApiUrl, DecodesEscapesAndPlus) {
    EXPECT_EQ(api::url_decode("a%20b+c").value(), "a b c");
    EXPECT_EQ(api::url_decode("%41%62").value(), "Ab");
    EXPECT_FALSE(api::url_decode("%4").has_value());
    EXPECT_FALSE(api::url_decode("%zz").has_value());
    EXPECT_FALSE(api::url_decode("abc%").has_value());
}

TEST(ApiUrl, ParsesQuery) {
    auto q = api::parse_query("room=abc&from=sip%3Aa%40b&prefix=&flag");
    ASSERT_TRUE(q.has_value());
    EXPECT_EQ(q->at("room"), "abc");
    EXPECT_EQ(q->at("from"), "sip:a@b");
    EXPECT_EQ(q->at("prefix"), "");
    EXPECT_EQ(q->at("flag"), "");
    EXPECT_FALSE(api::parse_query("a=%g1").has_value());
}

TEST(ApiRouter, MatchesParamsAnd404And405) {
    api::Router r;
    r.add("GET", "/api/v1/gateways/{id}", [](const HttpRequest&, const api::PathParams& p) {
        return HttpResponse::json(200, {{"id", p.at("id")}});
    });
    HttpRequest req;
    req.method = "GET";
    req.path = "/api/v1/gateways/gw-7";
    auto ok = r.dispatch(req);
    EXPECT_EQ(ok.status, 200);
    EXPECT_NE(ok.body.find("gw-7"), std::string::npos);

    req.method = "PUT";
    auto not_allowed = r.dispatch(req);
    EXPECT_EQ(not_allowed.status, 405);
    EXPECT_EQ(not_allowed.headers.at("Allow"), "GET");

    req.method = "GET";
    req.path = "/api/v1/nothing";
    EXPECT_EQ(r.dispatch(req).status, 404);
}

TEST(ApiAuth, BearerChecks) {
    using api::AuthResult;
    EXPECT_EQ(api::check_bearer("", std::nullopt), AuthResult::Ok);
    EXPECT_EQ(api::check_bearer("s3cret", std::nullopt), AuthResult::Missing);
    EXPECT_EQ(api::check_bearer("s3cret", std::string("Basic abc")), AuthResult::Malformed);
    EXPECT_EQ(api::check_bearer("s3cret", std::string("Bearer ")), AuthResult::Malformed);
    EXPECT_EQ(api::check_bearer("s3cret", std::string("Bearer s3cre")), AuthResult::Wrong);
    EXPECT_EQ(api::check_bearer("s3cret", std::string("Bearer s3cret!")), AuthResult::Wrong);
    EXPECT_EQ(api::check_bearer("s3cret", std::string("bearer s3cret")), AuthResult::Ok);
    EXPECT_TRUE(api::constant_time_equal("abc", "abc"));
    EXPECT_FALSE(api::constant_time_equal("abc", "abd"));
}

TEST(ApiPrometheus, FamiliesDescribedOnceLabelsEscaped) {
    api::PrometheusText t;
    t.add("gw_sessions", "gauge", "Sessions by state", 2, {{"state", "in_call"}});
    t.add("gw_sessions", "gauge", "Sessions by state", 1, {{"state", "ivr"}});
    t.add("gw_info", "gauge", "Info", 1, {{"version", "a\"b\\c"}});
    const std::string& s = t.str();
    EXPECT_EQ(s.find("# HELP gw_sessions"), s.rfind("# HELP gw_sessions"));
    EXPECT_NE(s.find("gw_sessions{state=\"in_call\"} 2\n"), std::string::npos) << s;
    EXPECT_NE(s.find("version=\"a\\\"b\\\\c\""), std::string::npos) << s;
}

// Records what the routes ask of the gateway; the gateway's own behaviour is tested elsewhere.
class RecordingControl : public api::GatewayControl {
public:
    core::Result<nlohmann::json> start_gateway(const api::GatewayStartRequest& r) override {
        last = r;
        if (full) return core::fail("No free resources found", 503);
        return nlohmann::json{{"id", "gw-1"}, {"uri", "sip:sipmediagw.1@127.0.0.1"}};
    }
    nlohmann::json list_gateways() const override { return nlohmann::json::array(); }
    core::Result<nlohmann::json> gateway(const std::string& id) const override {
        if (id != "gw-1") return core::fail("no gateway '" + id + "'", 404);
        return nlohmann::json{{"id", id}};
    }
    core::Status stop_gateway(const std::string& id) override {
        if (id != "gw-1") return core::fail("no gateway '" + id + "'", 404);
        return core::Ok{};
    }
    core::Result<nlohmann::json> command(const std::string&, const nlohmann::json& c) override {
        return nlohmann::json{{"done", c["action"]}};
    }
    std::string metrics() const override { return "x 1\n"; }
    nlohmann::json health() const override { return {{"status", "ok"}}; }

    api::GatewayStartRequest last;
    bool full = false;
};

HttpRequest make(std::string method, std::string path, std::string body = {}) {
    HttpRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.body = std::move(body);
    r.headers["host"] = "127.0.0.1:8080";
    if (r.method == "POST") r.headers["content-type"] = "application/json";
    return r;
}

TEST(ApiGateway, TokenRequiredExceptHealth) {
    RecordingControl c;
    api::GatewayApi a(c, "tok");
    auto r = a.handle(make("GET", "/api/v1/gateways"));
    EXPECT_EQ(r.status, 401);
    EXPECT_TRUE(r.headers.contains("WWW-Authenticate"));
    auto req = make("GET", "/api/v1/gateways");
    req.headers["authorization"] = "Bearer nope";
    EXPECT_EQ(a.handle(req).status, 401);
    req.headers["authorization"] = "Bearer tok";
    EXPECT_EQ(a.handle(req).status, 200);
    EXPECT_EQ(a.handle(make("GET", "/healthz")).status, 200);
}

TEST(ApiGateway, CreateValidatesJson) {
    RecordingControl c;
    api::GatewayApi a(c, "");
    EXPECT_EQ(a.handle(make("POST", "/api/v1/gateways", "{room:")).status, 400);
    EXPECT_EQ(a.handle(make("POST", "/api/v1/gateways", "[1]")).status, 400);
    auto wrong_type = a.handle(make("POST", "/api/v1/gateways", R"({"room": 5})"));
    EXPECT_EQ(wrong_type.status, 400);
    EXPECT_NE(wrong_type.body.find("'room' must be a string"), std::string::npos);
    auto unknown = a.handle(make("POST", "/api/v1/gateways", R"({"rooom": "x"})"));
    EXPECT_EQ(unknown.status, 400);
    EXPECT_NE(unknown.body.find("rooom"), std::string::npos);

    auto ok = a.handle(make("POST", "/api/v1/gateways", R"({"room":"r1","dial":"sip:x@y"})"));
    EXPECT_EQ(ok.status, 201);
    EXPECT_EQ(ok.headers.at("Location"), "/api/v1/gateways/gw-1");
    EXPECT_EQ(c.last.room, "r1");
    EXPECT_EQ(c.last.dial, "sip:x@y");

    c.full = true;
    auto full = a.handle(make("POST", "/api/v1/gateways", R"({"room":"r1"})"));
    EXPECT_EQ(full.status, 503);
    EXPECT_NE(full.body.find("\"capacity\""), std::string::npos);
}

TEST(ApiGateway, ReferenceLauncherShape) {
    RecordingControl c;
    api::GatewayApi a(c, "tok");
    auto req = make("GET", "/sipmediagw");
    req.headers["authorization"] = "Bearer tok";
    req.query = {{"room", "0"}, {"from", "sip:alice@x"}, {"prefix", "p1"}};
    auto r = a.handle(req);
    EXPECT_EQ(r.status, 200);
    auto j = nlohmann::json::parse(r.body);
    EXPECT_EQ(j["res"], "ok");
    EXPECT_EQ(j["uri"], "sip:sipmediagw.1@127.0.0.1");
    EXPECT_EQ(c.last.room, "");  // "0" is the IVR, as in the reference
    EXPECT_EQ(c.last.prefix, "p1");
    c.full = true;
    auto e = nlohmann::json::parse(a.handle(req).body);
    EXPECT_EQ(e["res"], "error");
    EXPECT_EQ(e["type"], "No free resources found");
}

TEST(ApiGateway, NotFoundAndCommands) {
    RecordingControl c;
    api::GatewayApi a(c, "");
    EXPECT_EQ(a.handle(make("GET", "/api/v1/gateways/zzz")).status, 404);
    EXPECT_EQ(a.handle(make("DELETE", "/api/v1/gateways/zzz")).status, 404);
    EXPECT_EQ(a.handle(make("DELETE", "/api/v1/gateways/gw-1")).status, 200);
    EXPECT_EQ(a.handle(make("POST", "/api/v1/gateways/gw-1/command", "{}")).status, 400);
    EXPECT_EQ(
        a.handle(make("POST", "/api/v1/gateways/gw-1/command", R"({"action":"mute"})")).status,
        200);
    EXPECT_EQ(a.handle(make("GET", "/metrics")).content_type, "text/plain; version=0.0.4");
}

// Finding 8: a GET that reserves a slot is a request any web page can make a browser send.
TEST(ApiGateway, LauncherWithoutATokenChangesNothing) {
    RecordingControl c;
    api::GatewayApi a(c, "");
    auto req = make("GET", "/sipmediagw");
    req.query = {{"room", "r1"}};
    const auto r = a.handle(req);
    EXPECT_EQ(r.status, 403);
    const auto j = nlohmann::json::parse(r.body);
    EXPECT_EQ(j["res"], "error");
    EXPECT_EQ(j["type"], "token required");
    EXPECT_EQ(c.last.room, "");  // start_gateway was never called
}

TEST(ApiGateway, WebPagesCannotDriveTheApi) {
    RecordingControl c;
    api::GatewayApi a(c, "");
    const std::string body = R"({"room":"r1","dial":"sip:premium@x"})";
    // DNS rebinding: the browser sends the attacker's name as Host.
    auto rebound = make("POST", "/api/v1/gateways", body);
    rebound.headers["host"] = "rebind.attacker.example:8080";
    EXPECT_EQ(a.handle(rebound).status, 403);
    auto rebound_get = make("GET", "/api/v1/gateways");
    rebound_get.headers["host"] = "rebind.attacker.example";
    EXPECT_EQ(a.handle(rebound_get).status, 403);
    // A cross-origin form or fetch(no-cors) POST.
    auto cross = make("POST", "/api/v1/gateways", body);
    cross.headers["origin"] = "https://evil.example";
    EXPECT_EQ(a.handle(cross).status, 403);
    auto null_origin = make("POST", "/api/v1/gateways", body);
    null_origin.headers["origin"] = "null";
    EXPECT_EQ(a.handle(null_origin).status, 403);
    auto fetch_site = make("POST", "/api/v1/gateways", body);
    fetch_site.headers["sec-fetch-site"] = "cross-site";
    EXPECT_EQ(a.handle(fetch_site).status, 403);
    // CORS-safelisted content types need no preflight: refused even with a JSON body.
    for (const char* ct :
         {"text/plain;x=application/json", "text/plain", "application/x-www-form-urlencoded"}) {
        auto plain = make("POST", "/api/v1/gateways", body);
        plain.headers["content-type"] = ct;
        EXPECT_EQ(a.handle(plain).status, 415) << ct;
        auto cmd = make("POST", "/api/v1/gateways/gw-1/command", R"({"action":"leave"})");
        cmd.headers["content-type"] = ct;
        EXPECT_EQ(a.handle(cmd).status, 415) << ct;
    }
    auto no_ct = make("POST", "/api/v1/gateways", body);
    no_ct.headers.erase("content-type");
    EXPECT_EQ(a.handle(no_ct).status, 415);
    auto no_host = make("GET", "/api/v1/gateways");
    no_host.headers.erase("host");
    EXPECT_EQ(a.handle(no_host).status, 400);
    EXPECT_TRUE(c.last.dial.empty());
    // Same-origin and non-browser clients still work.
    auto same = make("POST", "/api/v1/gateways", body);
    same.headers["origin"] = "http://127.0.0.1:8080";
    same.headers["content-type"] = "application/json; charset=utf-8";
    EXPECT_EQ(a.handle(same).status, 201);
    auto v6 = make("GET", "/api/v1/gateways");
    v6.headers["host"] = "[::1]:8080";
    EXPECT_EQ(a.handle(v6).status, 200);
    auto local = make("GET", "/api/v1/gateways");
    local.headers["host"] = "LOCALHOST";
    EXPECT_EQ(a.handle(local).status, 200);
    api::GatewayApi proxied(c, "", {"gw.example.org"});
    auto named = make("GET", "/api/v1/gateways");
    named.headers["host"] = "gw.example.org:443";
    EXPECT_EQ(proxied.handle(named).status, 200);
    // Health checks from load balancers name the host as they like.
    auto health = make("GET", "/healthz");
    health.headers["host"] = "lb-check.internal";
    EXPECT_EQ(a.handle(health).status, 200);
}

TEST(ApiGateway, DtmfCommandIsBounded) {
    RecordingControl c;
    api::GatewayApi a(c, "");
    const std::string ok = R"({"action":"dtmf","digits":")" + std::string(64, '1') + R"("})";
    EXPECT_EQ(a.handle(make("POST", "/api/v1/gateways/gw-1/command", ok)).status, 200);
    const std::string flood = R"({"action":"dtmf","digits":")" + std::string(65, '1') + R"("})";
    const auto r = a.handle(make("POST", "/api/v1/gateways/gw-1/command", flood));
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("at most 64"), std::string::npos) << r.body;
}

TEST(ApiHostLiteral, Forms) {
    EXPECT_TRUE(api::host_is_local_literal("127.0.0.1"));
    EXPECT_TRUE(api::host_is_local_literal("10.1.2.3:80"));
    EXPECT_TRUE(api::host_is_local_literal("[fe80::1]:8080"));
    EXPECT_TRUE(api::host_is_local_literal("localhost:8080"));
    EXPECT_FALSE(api::host_is_local_literal("127.0.0.1.nip.io"));
    EXPECT_FALSE(api::host_is_local_literal("localhost.evil.example"));
    EXPECT_FALSE(api::host_is_local_literal("[::1"));
    EXPECT_FALSE(api::host_is_local_literal("127.0.0.1:80x"));
    EXPECT_FALSE(api::host_is_local_literal(""));
}

// Finding 7: a decoded %0A in a path forged log lines; %FF made error bodies a 500.
TEST(ApiLogField, ControlCharactersAndBadUtf8AreEscaped) {
    EXPECT_EQ(core::log_field("/x\ninfo gateway: sess=1"), "/x\\ninfo gateway: sess=1");
    EXPECT_EQ(core::log_field(std::string("/x\ninfo\r\x1b[31m")), "/x\\ninfo\\r\\x1b[31m");
    EXPECT_EQ(core::log_field("caf\xc3\xa9"), "caf\xc3\xa9");  // valid UTF-8 kept
    EXPECT_EQ(core::log_field("\xff\xc3"), "\\xff\\xc3");
    EXPECT_EQ(core::log_field("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
    EXPECT_EQ(core::log_field(std::string(2000, 'a')).size(), 256u + 3u);
    EXPECT_TRUE(core::is_valid_utf8("caf\xc3\xa9 \xf0\x9f\x98\x80"));
    EXPECT_FALSE(core::is_valid_utf8("\xc0\xaf"));   // overlong '/'
    EXPECT_FALSE(core::is_valid_utf8("\xe9t\xe9"));  // Latin-1
}

TEST(ApiGateway, InvalidUtf8NeverMakesA500) {
    RecordingControl c;
    api::GatewayApi a(c, "");
    const auto r = a.handle(make("GET", "/no\xffsuch"));
    EXPECT_EQ(r.status, 404);
    EXPECT_TRUE(nlohmann::json::accept(r.body)) << r.body;
    const auto j = api::HttpResponse::json(200, {{"from", "\xe9t\xe9"}});
    EXPECT_EQ(j.status, 200);
    EXPECT_TRUE(nlohmann::json::accept(j.body));
}

}  // namespace
