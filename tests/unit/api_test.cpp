#include "api/bearer_auth.hpp"
#include "api/gateway_api.hpp"
#include "api/http_message.hpp"
#include "api/prometheus.hpp"
#include "api/router.hpp"

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
    api::GatewayApi a(c, "");
    auto req = make("GET", "/sipmediagw");
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

}  // namespace
