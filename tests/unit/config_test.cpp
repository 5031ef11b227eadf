#include "core/config.hpp"

#include <gtest/gtest.h>

namespace {

core::Result<core::Config> parse(const std::string& text) {
    return core::load_config_string(text, "test.toml");
}

TEST(Config, EmptyFileGivesDefaults) {
    auto cfg = parse("");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    ASSERT_EQ(cfg->sip.listen.size(), 2U);
    EXPECT_EQ(cfg->sip.listen[0].transport, "udp");
    EXPECT_EQ(cfg->sip.listen[0].host, "127.0.0.1");
    EXPECT_EQ(cfg->sip.listen[0].port, 5060);
    EXPECT_FALSE(cfg->registrar.enabled());
    EXPECT_EQ(cfg->sip.busy_status, 486);
}

TEST(Config, UnknownKeyNamesKeyAndLine) {
    auto cfg = parse("[sip]\nuser_agent = \"x\"\nlisen = [\"udp:1.2.3.4:5060\"]\n");
    ASSERT_FALSE(cfg.ok());
    EXPECT_NE(cfg.error().message.find("test.toml:3:"), std::string::npos) << cfg.error().message;
    EXPECT_NE(cfg.error().message.find("sip.lisen"), std::string::npos) << cfg.error().message;
}

TEST(Config, UnknownSectionIsAnError) {
    auto cfg = parse("[sipp]\nx = 1\n");
    ASSERT_FALSE(cfg.ok());
    EXPECT_NE(cfg.error().message.find("test.toml:1:"), std::string::npos) << cfg.error().message;
    EXPECT_NE(cfg.error().message.find("sipp"), std::string::npos);
}

TEST(Config, WrongTypeNamesKeyAndLine) {
    auto cfg = parse("[capacity]\n\nmax_calls = \"four\"\n");
    ASSERT_FALSE(cfg.ok());
    EXPECT_NE(cfg.error().message.find("test.toml:3:"), std::string::npos) << cfg.error().message;
    EXPECT_NE(cfg.error().message.find("capacity.max_calls"), std::string::npos);
    EXPECT_NE(cfg.error().message.find("integer"), std::string::npos);
}

TEST(Config, SyntaxErrorHasLine) {
    auto cfg = parse("[sip]\nuser_agent = \n");
    ASSERT_FALSE(cfg.ok());
    EXPECT_NE(cfg.error().message.find("test.toml:2:"), std::string::npos) << cfg.error().message;
}

TEST(Config, ListenAddresses) {
    auto cfg = parse("[sip]\nlisten = [\"udp:0.0.0.0:5070\", \"tcp:[::1]:5071\"]\n");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    ASSERT_EQ(cfg->sip.listen.size(), 2U);
    EXPECT_EQ(cfg->sip.listen[1].transport, "tcp");
    EXPECT_EQ(cfg->sip.listen[1].host, "::1");
    EXPECT_EQ(cfg->sip.listen[1].port, 5071);

    auto bad = parse("[sip]\nlisten = [\"sctp:1.2.3.4:5060\"]\n");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("transport"), std::string::npos);
    auto badport = parse("[sip]\nlisten = [\"udp:1.2.3.4:99999\"]\n");
    ASSERT_FALSE(badport.ok());
}

TEST(Config, TlsListenerNeedsCertificate) {
    auto cfg = parse("[sip]\nlisten = [\"tls:127.0.0.1:5061\"]\n");
    ASSERT_FALSE(cfg.ok());
    EXPECT_NE(cfg.error().message.find("tls_certificate"), std::string::npos);
}

TEST(Config, RegistrarValidation) {
    auto cfg = parse("[registrar]\nserver = \"127.0.0.1\"\n");
    ASSERT_FALSE(cfg.ok());
    EXPECT_NE(cfg.error().message.find("registrar.server"), std::string::npos);
    auto both = parse("[registrar]\nserver = \"sip:127.0.0.1\"\nsecret=\"a\"\npassword=\"b\"\n");
    ASSERT_FALSE(both.ok());
    auto good = parse("[registrar]\nserver = \"sip:127.0.0.1:5070\"\nsecret=\"s3cr3t\"\n");
    ASSERT_TRUE(good.ok()) << good.error().message;
    EXPECT_TRUE(good->registrar.enabled());
}

TEST(Config, CallSlotsFromCoresOrMax) {
    auto cfg = parse("[capacity]\ncpu_cores_per_call = 0.5\n");
    ASSERT_TRUE(cfg.ok());
    EXPECT_EQ(cfg->call_slots(2), 4U);
    EXPECT_EQ(cfg->call_slots(0), 1U);
    auto fixed = parse("[capacity]\nmax_calls = 3\n");
    ASSERT_TRUE(fixed.ok());
    EXPECT_EQ(fixed->call_slots(64), 3U);
}

TEST(Config, RangeAndCodecChecks) {
    EXPECT_FALSE(parse("[media]\nvideo_fps = 0\n").ok());
    EXPECT_FALSE(parse("[media]\naudio_codecs = [\"speex\"]\n").ok());
    EXPECT_FALSE(parse("[sip]\nbusy_status = 480\n").ok());
    EXPECT_FALSE(parse("[sip]\nsession_expires = 30\n").ok());
    EXPECT_TRUE(parse("[sip]\nsession_expires = 0\n").ok());
}

TEST(Config, AllErrorsReportedAtOnce) {
    auto cfg = parse("[sip]\nfoo = 1\n[media]\nbar = 2\n");
    ASSERT_FALSE(cfg.ok());
    EXPECT_NE(cfg.error().message.find("sip.foo"), std::string::npos);
    EXPECT_NE(cfg.error().message.find("media.bar"), std::string::npos);
}

}  // namespace

namespace {

TEST(Config, IvrAndDtmfKeys) {
    auto ok = core::load_config_string(
        "[ivr]\nlanguage = \"fr\"\ndigits = 6\n[dtmf]\nhand = \"\"\n", "t.toml");
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_EQ(ok->ivr.language, "fr");
    EXPECT_EQ(ok->ivr.digits, 6U);
    EXPECT_EQ(ok->dtmf.hand, "");
    EXPECT_EQ(ok->dtmf.mute, "1");
    auto dup = core::load_config_string("[dtmf]\ncamera = \"1\"\n", "t.toml");
    ASSERT_FALSE(dup.ok());
    EXPECT_NE(dup.error().message.find("already used by 'dtmf.mute'"), std::string::npos)
        << dup.error().message;
    EXPECT_FALSE(core::load_config_string("[dtmf]\nmute = \"12\"\n", "t.toml").ok());
    EXPECT_FALSE(core::load_config_string("[ivr]\nlanguage = \"de\"\n", "t.toml").ok());
    EXPECT_FALSE(core::load_config_string("[service]\nname = \"teams\"\n", "t.toml").ok());
}

}  // namespace

namespace {

// Issue 10: every value that would crash or block at run time is refused by check-config.
TEST(Config, TurnServerIsCheckedInFull) {
    const auto with = [](const std::string& server) {
        return parse("[turn]\nserver = \"" + server + "\"\nusername = \"u\"\npassword = \"p\"\n");
    };
    for (const char* ok : {"turn:192.0.2.10:3478", "turn:192.0.2.10", "turn:[2001:db8::1]:3478",
                           "turn:[::1]", "turn:127.0.0.1?transport=udp"}) {
        auto cfg = with(ok);
        EXPECT_TRUE(cfg.ok()) << ok << ": " << cfg.error().message;
    }
    // Finding 11: "turn:[::1]:x" passed and killed the daemon on the first INVITE.
    for (const char* bad :
         {"turn:[::1]:x", "turn:[::1]:", "turn:[::1", "turn:127.0.0.1:0", "turn:127.0.0.1:-1",
          "turn:127.0.0.1:65536", "turn::3478", "turn:turn.example.org:3478", "turn:::1",
          "stun:127.0.0.1", "turn:127.0.0.1?transport=tcp"}) {
        auto cfg = with(bad);
        ASSERT_FALSE(cfg.ok()) << bad;
        EXPECT_NE(cfg.error().message.find("'turn.server'"), std::string::npos)
            << cfg.error().message;
    }
    auto name = with("turn:turn.example.org");
    EXPECT_NE(name.error().message.find("not an IP address"), std::string::npos);
}

TEST(Config, AddressesAreIpLiterals) {
    auto listen = parse("[sip]\nlisten = [\"udp:gw.example.org:5060\"]\n");
    ASSERT_FALSE(listen.ok());
    EXPECT_NE(listen.error().message.find("must be an IP address"), std::string::npos);
    auto pub = parse("[sip]\npublic_address = \"gw.example.org\"\n");
    ASSERT_FALSE(pub.ok());
    EXPECT_NE(pub.error().message.find("'sip.public_address'"), std::string::npos);
    auto media = parse("[media]\naddress = \"gw.example.org\"\n");
    ASSERT_FALSE(media.ok());
    EXPECT_NE(media.error().message.find("'media.address'"), std::string::npos);
    EXPECT_TRUE(
        parse("[sip]\npublic_address = \"2001:db8::5\"\n[media]\naddress = \"0.0.0.0\"\n").ok());
}

}  // namespace
