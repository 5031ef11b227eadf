// Jitsi base URLs (tenants, JaaS, http, ports), the per-room token URL and the token service's
// answers, and the options the adapter hands to assets/services/jitsi.js.
#include "services/jitsi_location.hpp"
#include "core/config.hpp"
#include "services/adapter.hpp"
#include "services/jitsi_token.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

core::ServiceConfig jitsi(const std::string& base_url) {
    core::ServiceConfig c;
    c.name = "jitsi";
    c.base_url = base_url;
    return c;
}

TEST(JitsiLocation, PlainDeployment) {
    const auto l = services::jitsi_location("https://meet.example.org/");
    EXPECT_EQ(l.origin, "https://meet.example.org");
    EXPECT_EQ(l.domain, "meet.example.org");
    EXPECT_EQ(l.tenant, "");
    EXPECT_EQ(l.room_name("Room1"), "Room1");
    EXPECT_EQ(l.host_page(), "https://meet.example.org/external_api.js");
}

TEST(JitsiLocation, TenantPathIsKept) {
    const auto l = services::jitsi_location("https://meet.example.org/tenant/?x=1#frag");
    EXPECT_EQ(l.tenant, "tenant");
    EXPECT_EQ(l.room_name("Room1"), "tenant/Room1");
    EXPECT_EQ(l.host_page(), "https://meet.example.org/external_api.js");
}

TEST(JitsiLocation, JaasAppId) {
    const auto l = services::jitsi_location("https://8x8.vc/vpaas-magic-cookie-0123abcd");
    EXPECT_EQ(l.domain, "8x8.vc");
    EXPECT_EQ(l.room_name("Room1"), "vpaas-magic-cookie-0123abcd/Room1");
}

TEST(JitsiLocation, HttpAndPort) {
    const auto l = services::jitsi_location("http://127.0.0.1:8123");
    EXPECT_EQ(l.origin, "http://127.0.0.1:8123");
    EXPECT_EQ(l.domain, "127.0.0.1:8123");
    EXPECT_EQ(l.host_page(), "http://127.0.0.1:8123/external_api.js");
}

TEST(JitsiLocation, NotHttp) {
    EXPECT_EQ(services::jitsi_location("meet.example.org").origin, "");
    EXPECT_EQ(services::jitsi_location("ftp://meet.example.org").origin, "");
}

TEST(JitsiToken, UrlSubstitutesEncodedRoom) {
    EXPECT_EQ(services::jitsi_token_url("https://auth.example.org/t?room={room}&again={room}",
                                        "my room/1"),
              "https://auth.example.org/t?room=my%20room%2F1&again=my%20room%2F1");
    EXPECT_EQ(services::jitsi_token_url("https://auth.example.org/token", "r"),
              "https://auth.example.org/token");
}

core::HttpAnswer answer(int status, std::string body) {
    core::HttpAnswer a;
    a.status = status;
    a.body = std::move(body);
    return a;
}

constexpr const char* kJwt = "eyJhbGciOiJIUzI1NiJ9.eyJyb29tIjoiKiJ9.c2lnbmF0dXJl";

TEST(JitsiToken, JsonTokenOrJwtMember) {
    auto t = services::jitsi_token_from_answer(
        answer(200, std::string("{\"token\":\"") + kJwt + "\",\"expires\":3600}"));
    ASSERT_TRUE(t.ok()) << t.error().message;
    EXPECT_EQ(*t, kJwt);
    t = services::jitsi_token_from_answer(
        answer(201, std::string(" {\"jwt\":\"") + kJwt + "\"}\n"));
    ASSERT_TRUE(t.ok()) << t.error().message;
    EXPECT_EQ(*t, kJwt);
}

TEST(JitsiToken, PlainTextToken) {
    auto t = services::jitsi_token_from_answer(answer(200, std::string(kJwt) + "\r\n"));
    ASSERT_TRUE(t.ok()) << t.error().message;
    EXPECT_EQ(*t, kJwt);
}

TEST(JitsiToken, BadAnswersSayWhy) {
    core::HttpAnswer none;
    none.error = "connection refused";
    auto t = services::jitsi_token_from_answer(none);
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.error().message.find("unreachable: connection refused"), std::string::npos);

    t = services::jitsi_token_from_answer(answer(403, std::string("{\"token\":\"") + kJwt + "\"}"));
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.error().message.find("HTTP 403"), std::string::npos);

    t = services::jitsi_token_from_answer(answer(200, "  \n"));
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.error().message.find("empty"), std::string::npos);

    t = services::jitsi_token_from_answer(answer(200, "{\"access\":\"x\"}"));
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.error().message.find("\"token\" or \"jwt\""), std::string::npos);

    t = services::jitsi_token_from_answer(answer(200, "{\"token\":"));
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.error().message.find("invalid JSON"), std::string::npos);

    t = services::jitsi_token_from_answer(answer(200, "<html><body>Login</body></html>"));
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.error().message.find("not a token"), std::string::npos);
}

TEST(JitsiTokenConfig, TokenUrlMustBeHttp) {
    auto ok = core::load_config_string(
        "[service]\nname = \"jitsi\"\nbase_url = \"https://meet.example.org/t\"\n"
        "token_url = \"https://auth.example.org/token?room={room}\"\n",
        "t.toml");
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_EQ(ok->service.token_url, "https://auth.example.org/token?room={room}");
    auto bad = core::load_config_string(
        "[service]\nname = \"jitsi\"\nbase_url = \"https://meet.example.org\"\n"
        "token_url = \"auth.example.org/token\"\n",
        "t.toml");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("'service.token_url' must be an http(s) URL"),
              std::string::npos);
}

TEST(JitsiAdapterOptions, TenantRoomHostPageAndToken) {
    auto cfg = jitsi("http://127.0.0.1:8123/tenant");
    cfg.jwt = "static";
    cfg.password = "secret";
    auto a = services::make_adapter(cfg);
    ASSERT_TRUE(a.ok());
    services::JoinRequest r{"Room1", "Alice", {}};
    auto url = (*a)->join_url(r);
    ASSERT_TRUE(url.ok());
    EXPECT_EQ(*url, "http://127.0.0.1:8123/external_api.js");
    EXPECT_EQ((*a)->permission_origin(), "http://127.0.0.1:8123");
    auto o = nlohmann::json::parse((*a)->join_options(r));
    EXPECT_EQ(o["origin"], "http://127.0.0.1:8123");
    EXPECT_EQ(o["domain"], "127.0.0.1:8123");
    EXPECT_EQ(o["room"], "tenant/Room1");
    EXPECT_EQ(o["password"], "secret");
    EXPECT_EQ(o["jwt"], "static");
    // A token fetched by prepare() wins over the static one.
    r.prepared["jwt"] = kJwt;
    o = nlohmann::json::parse((*a)->join_options(r));
    EXPECT_EQ(o["jwt"], kJwt);
}

}  // namespace
