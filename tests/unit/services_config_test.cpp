// [[services]]: several services per gateway, their keys and check-config's refusals.
#include "core/config.hpp"

#include <gtest/gtest.h>

#include <set>

namespace {

core::Result<core::Config> parse(const std::string& text) {
    return core::load_config_string(text, "gw.toml");
}

// The error text holds every fragment (each names the key and line the operator must fix).
void expect_error(const std::string& text, std::initializer_list<const char*> fragments) {
    auto cfg = parse(text);
    ASSERT_FALSE(cfg.ok()) << text;
    for (const char* f : fragments)
        EXPECT_NE(cfg.error().message.find(f), std::string::npos)
            << "missing \"" << f << "\" in: " << cfg.error().message;
}

const char* const kThree = R"([[services]]
name = "janus"
kind = "janus"
ivr_digit = "1"

[[services]]
name = "bbb"
kind = "bigbluebutton"
base_url = "https://bbb.example.org/bigbluebutton/api"
secret = "s3cret"
prefix = "bbb"
domains = ["BBB.example.org", "conf.example.org"]
ivr_digit = "2"
label = "BigBlueButton"
default = true
alone_timeout_s = 60

[[services]]
name = "jitsi"
kind = "jitsi"
base_url = "https://meet.example.org"
jwt = "eyJ"
prefix = "jitsi"
)";

TEST(ServicesConfig, SingleServiceSectionIsTheOnlyAndDefaultService) {
    auto cfg = parse("[service]\nname = \"jitsi\"\nbase_url = \"https://meet.example.org\"\n");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    EXPECT_TRUE(cfg->services.empty());
    const auto all = cfg->all_services();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(all[0].name, "jitsi");
    EXPECT_EQ(all[0].adapter_kind(), "jitsi");
}

TEST(ServicesConfig, ZeroConfigIsTheJanusDemo) {
    auto cfg = parse("");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    ASSERT_EQ(cfg->all_services().size(), 1U);
    EXPECT_EQ(cfg->service.name, "janus");
    EXPECT_EQ(cfg->service.adapter_kind(), "janus");
    EXPECT_EQ(cfg->service.base_url, "http://127.0.0.1:8000/videoroomtest.html");
}

TEST(ServicesConfig, EntriesKeepTheirOwnKeys) {
    auto cfg = parse(kThree);
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    ASSERT_EQ(cfg->services.size(), 3U);
    const auto& bbb = cfg->services[1];
    EXPECT_EQ(bbb.name, "bbb");
    EXPECT_EQ(bbb.adapter_kind(), "bigbluebutton");
    EXPECT_EQ(bbb.secret, "s3cret");
    EXPECT_EQ(bbb.prefix, "bbb");
    EXPECT_EQ(bbb.domains, (std::vector<std::string>{"bbb.example.org", "conf.example.org"}));
    EXPECT_EQ(bbb.ivr_digit, "2");
    EXPECT_EQ(bbb.label, "BigBlueButton");
    EXPECT_EQ(bbb.alone_timeout_s, 60U);
    EXPECT_EQ(cfg->services[2].jwt, "eyJ");
    EXPECT_EQ(cfg->services[2].alone_timeout_s, 0U);  // defaults per entry, not shared
    // The one marked default is the default service.
    EXPECT_EQ(cfg->service.name, "bbb");
    EXPECT_EQ(cfg->all_services().size(), 3U);
}

TEST(ServicesConfig, WithoutDefaultTheFirstEntryIsTheDefault) {
    auto cfg = parse(
        "[[services]]\nname = \"a\"\nkind = \"jitsi\"\nbase_url = \"https://a.example\"\n"
        "[[services]]\nname = \"b\"\nkind = \"janus\"\n");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    EXPECT_EQ(cfg->service.name, "a");
    EXPECT_TRUE(cfg->services[0].is_default);
    EXPECT_FALSE(cfg->services[1].is_default);
}

TEST(ServicesConfig, UnknownKindNamesTheEntryAndLine) {
    expect_error(
        "[[services]]\nname = \"a\"\nkind = \"janus\"\n\n[[services]]\nname = \"t\"\n"
        "kind = \"teams\"\n",
        {"gw.toml:7:", "'services[2].kind'", "teams"});
}

TEST(ServicesConfig, NameAndKindAreRequired) {
    expect_error(
        "[[services]]\nbase_url = \"https://x.example\"\n",
        {"gw.toml:1:", "'services[1].name' is required", "'services[1].kind' is required"});
}

TEST(ServicesConfig, DuplicatesAreRefusedWithBothLines) {
    expect_error(
        "[[services]]\nname = \"a\"\nkind = \"janus\"\n[[services]]\nname = \"a\"\n"
        "kind = \"jitsi\"\n",
        {"gw.toml:5:", "'services[2].name' \"a\" is already used by service 'a' (line 2)"});
    expect_error(
        "[[services]]\nname = \"a\"\nkind = \"janus\"\nprefix = \"conf\"\n"
        "[[services]]\nname = \"b\"\nkind = \"janus\"\nprefix = \"CONF\"\n",
        {"gw.toml:8:", "'services[2].prefix' \"conf\" is already used by service 'a' (line 4)"});
    expect_error(
        "[[services]]\nname = \"a\"\nkind = \"janus\"\ndomains = [\"x.org\"]\n"
        "[[services]]\nname = \"b\"\nkind = \"janus\"\ndomains = [\"X.org\"]\n",
        {"'services[2].domains' \"x.org\" is already used by service 'a'"});
    expect_error(
        "[[services]]\nname = \"a\"\nkind = \"janus\"\nivr_digit = \"1\"\n"
        "[[services]]\nname = \"b\"\nkind = \"janus\"\nivr_digit = \"1\"\n",
        {"'services[2].ivr_digit' \"1\" is already used by service 'a'"});
    expect_error(
        "[[services]]\nname = \"a\"\nkind = \"janus\"\ndefault = true\n"
        "[[services]]\nname = \"b\"\nkind = \"janus\"\ndefault = true\n",
        {"gw.toml:8:", "only one service may be the default"});
}

TEST(ServicesConfig, BadValuesNameTheirKey) {
    expect_error("[[services]]\nname = \"a\"\nkind = \"janus\"\nprefix = \"a.b\"\n",
                 {"gw.toml:4:", "'services[1].prefix'"});
    expect_error("[[services]]\nname = \"a\"\nkind = \"janus\"\nivr_digit = \"12\"\n",
                 {"gw.toml:4:", "'services[1].ivr_digit' must be one digit"});
    expect_error("[[services]]\nname = \"a\"\nkind = \"janus\"\nivr_digit = \"#\"\n",
                 {"'services[1].ivr_digit'"});
    expect_error("[[services]]\nname = \"a\"\nkind = \"janus\"\ndomains = [\"a b\"]\n",
                 {"gw.toml:4:", "'services[1].domains' entry \"a b\""});
    expect_error("[[services]]\nname = \"a b\"\nkind = \"janus\"\n", {"'services[1].name'"});
    expect_error("[[services]]\nname = \"a\"\nkind = \"janus\"\nbase_url = \"ftp://x\"\n",
                 {"gw.toml:4:", "'services[1].base_url' must be an http(s) URL"});
    expect_error("[[services]]\nname = \"a\"\nkind = \"janus\"\njoin_timeout_s = 1\n",
                 {"gw.toml:4:", "'services[1].join_timeout_s'"});
    expect_error("[[services]]\nname = \"a\"\nkind = \"janus\"\nprefx = \"a\"\n",
                 {"gw.toml:4:", "unknown key 'services[1].prefx'"});
}

TEST(ServicesConfig, ServiceAndServicesTogetherAreRefused) {
    expect_error("[service]\nname = \"janus\"\n[[services]]\nname = \"a\"\nkind = \"janus\"\n",
                 {"gw.toml:3:", "not both"});
}

TEST(ServicesConfig, ServicesMustBeAnArrayOfTables) {
    expect_error("services = \"bbb\"\n", {"gw.toml:1:", "[[services]]"});
    expect_error("[services]\nname = \"a\"\n", {"gw.toml:1:", "[[services]]"});
}

TEST(ServicesConfig, PerServiceKeysAreTheSameInBothForms) {
    // A key added to the shared reader is accepted (and documented) in both forms.
    const auto keys = core::config_keys();
    const std::set<std::string> all(keys.begin(), keys.end());
    for (const auto& key : keys) {
        if (key.rfind("service.", 0) != 0 || key == "service.name") continue;
        const std::string entry_key = "services." + key.substr(8);
        EXPECT_TRUE(all.contains(entry_key)) << key << " has no [[services]] counterpart";
    }
    for (const char* k : {"services.name", "services.kind", "services.prefix", "services.domains",
                          "services.ivr_digit", "services.label", "services.default"})
        EXPECT_TRUE(all.contains(k)) << k;
}

}  // namespace
