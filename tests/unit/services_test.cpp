#include "services/adapter.hpp"
#include "services/display_name.hpp"
#include "services/url.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace {

core::ServiceConfig service(std::string name, std::string base_url) {
    core::ServiceConfig c;
    c.name = std::move(name);
    c.base_url = std::move(base_url);
    return c;
}

TEST(ServicesUrl, EncodeOrigin) {
    EXPECT_EQ(services::url_encode("Alice B/é"), "Alice%20B%2F%C3%A9");
    EXPECT_EQ(services::url_origin("https://meet.example.org:8443/room?x=1"),
              "https://meet.example.org:8443");
    EXPECT_EQ(services::url_origin("http://10.0.0.1"), "http://10.0.0.1");
    EXPECT_EQ(services::url_origin("file:///tmp/x"), "");
}

TEST(ServicesRegistry, KnownAndUnknown) {
    for (const char* n : {"janus", "jitsi", "bigbluebutton"}) {
        auto a = services::make_adapter(service(n, "https://x.example/"));
        ASSERT_TRUE(a.ok()) << n;
        EXPECT_EQ((*a)->name(), n);
        std::ifstream script((*a)->script_path());
        EXPECT_TRUE(script.good()) << "missing " << (*a)->script_path();
    }
    auto bad = services::make_adapter(service("teams", "https://x.example/"));
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("teams"), std::string::npos);
}

TEST(ServicesJanus, NumericRoomsOnly) {
    auto a = services::make_adapter(service("janus", "http://10.200.0.1:8000/videoroomtest.html"));
    ASSERT_TRUE(a.ok());
    auto url = (*a)->join_url({"1234", "Alice"});
    ASSERT_TRUE(url.ok());
    EXPECT_EQ(*url, "http://10.200.0.1:8000/videoroomtest.html?room=1234");
    auto bad = (*a)->join_url({"testroom", "Alice"});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, 404);
    EXPECT_EQ((*a)->permission_origin(), "http://10.200.0.1:8000");
    auto opts = nlohmann::json::parse((*a)->join_options({"1234", "Alice"}));
    EXPECT_EQ(opts["displayName"], "Alice");
}

// Finding 5: a Latin-1 From display name made json::dump() throw inside join_options, and the
// join silently never happened.
TEST(ServicesDisplayName, Latin1NameReachesEveryAdapter) {
    const std::string name = services::display_name_for(
        services::CallerIdentity{"Salle Zo\xE9 \x01", "1001", "sip:1001@h", "1234"}, "{user}");
    EXPECT_EQ(name, "Salle Zoé");
    for (const char* n : {"janus", "jitsi", "bigbluebutton"}) {
        auto cfg = service(n, "https://x.example/bigbluebutton/api");
        cfg.secret = "s";
        auto a = services::make_adapter(cfg);
        ASSERT_TRUE(a.ok()) << n;
        std::string opts;
        ASSERT_NO_THROW(opts = (*a)->join_options({"1234", name, {}})) << n;
        EXPECT_NE(opts.find("Salle Zo"), std::string::npos) << n << ": " << opts;
    }
}

// BigBlueButton: tests/unit/bigbluebutton_api_test.cpp.

TEST(ServicesJitsi, SameOriginPageAndOptions) {
    auto cfg = service("jitsi", "https://meet.example.org/");
    cfg.jwt = "tok";
    auto a = services::make_adapter(cfg);
    auto url = (*a)->join_url({"MyRoom", "Alice"});
    ASSERT_TRUE(url.ok());
    EXPECT_EQ(url->rfind("https://meet.example.org/", 0), 0U);
    auto opts = nlohmann::json::parse((*a)->join_options({"MyRoom", "Alice"}));
    EXPECT_EQ(opts["domain"], "meet.example.org");
    EXPECT_EQ(opts["room"], "MyRoom");
    EXPECT_EQ(opts["jwt"], "tok");
    EXPECT_TRUE((*a)->actions().contains(services::Action::TileView));
}

TEST(ServicesActions, NamesRoundTrip) {
    for (auto a : {services::Action::Mute, services::Action::Camera, services::Action::Hand,
                   services::Action::TileView, services::Action::Leave}) {
        EXPECT_EQ(services::action_from_name(services::action_name(a)), a);
    }
    EXPECT_FALSE(services::action_from_name("dance").has_value());
}

TEST(ServicesDisplayName, FromHeaderElseTemplate) {
    services::CallerIdentity c{"  Alice Room  ", "1001", "sip:1001@pbx", "1234"};
    EXPECT_EQ(services::display_name_for(c, "{user} (SIP)"), "Alice Room");
    c.display_name.clear();
    EXPECT_EQ(services::display_name_for(c, "{user} (SIP) in {room}"), "1001 (SIP) in 1234");
    c.user = "salle\xE9";
    EXPECT_EQ(services::display_name_for(c, "{user} (SIP)"), "salleé (SIP)");
    c.user = "1001";
    c.display_name = "Evil\x01\nName";
    EXPECT_EQ(services::display_name_for(c, "{user}"), "EvilName");
    c.display_name = std::string(100, 'x');
    EXPECT_EQ(services::display_name_for(c, "{user}").size(), 64U);
    c.display_name.clear();
    c.user.clear();
    EXPECT_EQ(services::display_name_for(c, "{user}"), "SIP caller");
}

}  // namespace
