// How a call chooses its service: room prefix, dialled domain, launcher prefix, IVR digit.
#include "gateway/service_routes.hpp"

#include <gtest/gtest.h>

namespace {

using gateway::RoomKind;
using gateway::ServiceRoutes;

core::ServiceConfig service(std::string name, std::string kind, std::string prefix = {},
                            std::vector<std::string> domains = {}, std::string digit = {}) {
    core::ServiceConfig c;
    c.name = std::move(name);
    c.kind = std::move(kind);
    c.prefix = std::move(prefix);
    c.domains = std::move(domains);
    c.ivr_digit = std::move(digit);
    return c;
}

ServiceRoutes three() {
    auto janus = service("janus", "janus", {}, {}, "1");
    janus.is_default = true;
    auto bbb = service("bbb", "bigbluebutton", "bbb", {"bbb.example.org"}, "2");
    bbb.label = "BigBlueButton";
    return ServiceRoutes(
        {janus, bbb, service("jitsi", "jitsi", "meet", {"jitsi.example.org"}, "3")});
}

TEST(ServiceRoutes, RoomPrefixChoosesTheServiceAndTheRestIsTheRoom) {
    const auto routes = three();
    auto r = routes.route("bbb.1234", "10.0.0.1", "10.0.0.1");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->kind, RoomKind::Named);
    EXPECT_EQ(r->name, "1234");
    EXPECT_EQ(r->service, "bbb");
    // Prefixes compare without case; the room keeps its own.
    r = routes.route("MEET.Weekly.Team", "", "");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->service, "jitsi");
    EXPECT_EQ(r->name, "Weekly.Team");
}

TEST(ServiceRoutes, UnknownPrefixIsPartOfTheRoomName) {
    const auto routes = three();
    auto r = routes.route("weekly.team", "10.0.0.1", "");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->name, "weekly.team");
    EXPECT_EQ(r->service, "");  // none chosen: the default joins
    EXPECT_EQ(routes.of(r->service).name, "janus");
    // A service's name is not a room prefix unless it is its `prefix`.
    r = routes.route("jitsi.1234", "", "");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->name, "jitsi.1234");
    EXPECT_EQ(r->service, "");
}

TEST(ServiceRoutes, PrefixWithIvrOrEchoRoom) {
    const auto routes = three();
    auto r = routes.route("bbb.0", "", "");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->kind, RoomKind::Ivr);
    EXPECT_EQ(r->service, "bbb");  // the IVR asks only for the room number
    r = routes.route("bbb.", "", "");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->kind, RoomKind::Ivr);
    r = routes.route("bbb.echo", "bbb.example.org", "");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->kind, RoomKind::Echo);
    EXPECT_EQ(r->service, "");  // the self-test joins no service
    EXPECT_FALSE(routes.route("bbb.a b", "", "").ok());
}

TEST(ServiceRoutes, DialledDomainChoosesTheService) {
    const auto routes = three();
    auto r = routes.route("1234", "BBB.Example.org", "");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->service, "bbb");
    // Through a registrar the request-URI is the slot's contact: To's host counts.
    r = routes.route("1234", "10.0.0.1", "jitsi.example.org");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->service, "jitsi");
    // The request-URI's host wins over To's.
    r = routes.route("1234", "bbb.example.org", "jitsi.example.org");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->service, "bbb");
    // A room prefix wins over the domain.
    r = routes.route("meet.1234", "bbb.example.org", "");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->service, "jitsi");
    r = routes.route("1234", "other.example.org", "127.0.0.1");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->service, "");
}

TEST(ServiceRoutes, LauncherPrefixIsAServicePrefixOrName) {
    const auto routes = three();
    ASSERT_NE(routes.by_launcher_prefix("meet"), nullptr);
    EXPECT_EQ(routes.by_launcher_prefix("meet")->name, "jitsi");
    ASSERT_NE(routes.by_launcher_prefix("jitsi"), nullptr);
    EXPECT_EQ(routes.by_launcher_prefix("jitsi")->name, "jitsi");
    EXPECT_EQ(routes.by_launcher_prefix("BBB")->name, "bbb");
    EXPECT_EQ(routes.by_launcher_prefix("paris"), nullptr);
    EXPECT_EQ(routes.by_launcher_prefix(""), nullptr);
}

TEST(ServiceRoutes, IvrMenuIsSortedByDigit) {
    auto a = service("a", "janus", {}, {}, "7");
    auto b = service("b", "janus", {}, {}, "3");
    b.label = "Bee";
    const ServiceRoutes routes({a, b, service("c", "janus")});
    const auto menu = routes.ivr_menu();
    ASSERT_EQ(menu.size(), 2U);
    EXPECT_EQ(menu[0].digit, '3');
    EXPECT_EQ(menu[0].service, "b");
    EXPECT_EQ(menu[0].label, "Bee");
    EXPECT_EQ(menu[1].label, "a");  // no label: the name
    EXPECT_EQ(routes.by_digit('7')->name, "a");
    EXPECT_EQ(routes.by_digit('5'), nullptr);
}

TEST(ServiceRoutes, DefaultIsTheMarkedOneElseTheFirst) {
    EXPECT_EQ(three().default_service().name, "janus");
    auto b = service("b", "janus");
    b.is_default = true;
    EXPECT_EQ(ServiceRoutes({service("a", "jitsi"), b}).default_service().name, "b");
    EXPECT_EQ(ServiceRoutes({service("a", "jitsi"), service("b", "janus")}).default_service().name,
              "a");
    // No service at all: the built-in default (the janus demo).
    EXPECT_EQ(ServiceRoutes({}).default_service().adapter_kind(), "janus");
    EXPECT_EQ(three().of("nope").name, "janus");
    EXPECT_EQ(three().find("nope"), nullptr);
}

}  // namespace
