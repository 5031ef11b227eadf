// Issue 2, registration: gateway slots register to Kamailio with ephemeral credentials from the
// shared secret, come back after a Kamailio restart, go away on SIGTERM; a wrong secret fails
// with a clear log line.
#include "gateway_fixture.hpp"

namespace testsupport {
namespace {

class GatewayRegistration : public GatewayTest {
protected:
    GatewayOptions registering(uint32_t slots, const std::string& prefix = {}) {
        GatewayOptions o;
        o.registrar_server = kamailio_->uri() + ";transport=udp";
        o.registrar_secret = kamailio_->secret();
        o.prefix = prefix;
        o.slots = slots;
        o.max_calls = slots;
        return o;
    }
};

TEST_F(GatewayRegistration, SlotsRegisterWithSharedSecret) {
    start_kamailio();
    start_gateway(registering(2));
    EXPECT_TRUE(wait_until([&] { return has_aor("sipmediagw.1") && has_aor("sipmediagw.2"); }, 30s))
        << kamailio_->kamcmd({"ul.dump"}).value();
    // Each binding points at the gateway's own SIP port.
    const auto contacts = kamailio_->contacts_of("sipmediagw.1");
    ASSERT_FALSE(contacts.empty());
    EXPECT_NE(contacts[0].find(":" + std::to_string(gateway_->sip_port())), std::string::npos)
        << contacts[0];
    EXPECT_TRUE(gateway_->program().wait_for_log(
        std::regex("registration slot=sipmediagw\\.1 state=registered"), 10s));
}

TEST_F(GatewayRegistration, SlotsRegisterOverTcp) {
    start_kamailio();
    auto opts = registering(1);
    opts.registrar_server = kamailio_->uri() + ";transport=tcp";
    start_gateway(opts);
    EXPECT_TRUE(wait_until([&] { return has_aor("sipmediagw.1"); }, 30s));
    EXPECT_NE(kamailio_->kamcmd({"ul.lookup", "location", "sipmediagw.1"}).value().find("tcp:"),
              std::string::npos)
        << "binding not made over TCP";
}

TEST_F(GatewayRegistration, PrefixIsPartOfTheSlotName) {
    start_kamailio();
    start_gateway(registering(1, "eu"));
    EXPECT_TRUE(wait_until([&] { return has_aor("eu.sipmediagw.1"); }, 30s));
}

TEST_F(GatewayRegistration, ReRegistersAfterKamailioRestart) {
    start_kamailio();
    auto opts = registering(1);
    opts.expires = 60;  // the smallest the gateway accepts: bounds how long a restart is felt
    start_gateway(opts);
    ASSERT_TRUE(wait_until([&] { return has_aor("sipmediagw.1"); }, 30s));
    ASSERT_TRUE(kamailio_->restart());
    // The restarted Kamailio starts empty (usrloc db_mode 0): the binding it shows must come
    // from a REGISTER it received itself, which its own log records.
    EXPECT_TRUE(
        kamailio_->program().wait_for_log(std::regex("smgw: slot sipmediagw\\.1 registered"), 120s))
        << "gateway did not register again after the restart";
    EXPECT_TRUE(has_aor("sipmediagw.1"));
}

TEST_F(GatewayRegistration, UnregistersOnSigterm) {
    start_kamailio();
    start_gateway(registering(2));
    ASSERT_TRUE(
        wait_until([&] { return has_aor("sipmediagw.1") && has_aor("sipmediagw.2"); }, 30s));
    const auto code = gateway_->terminate();
    EXPECT_EQ(code, std::optional<int>(0));
    // Unregistration is done before exit, so the bindings must be gone now, not at expiry.
    EXPECT_TRUE(
        wait_until([&] { return !has_aor("sipmediagw.1") && !has_aor("sipmediagw.2"); }, 5s))
        << kamailio_->kamcmd({"ul.dump"}).value();
}

TEST_F(GatewayRegistration, WrongSecretFailsWithClearLogLine) {
    start_kamailio();
    auto opts = registering(1);
    opts.registrar_secret = "not-the-secret";
    start_gateway(opts);
    EXPECT_TRUE(gateway_->program().wait_for_log(
        std::regex("registration slot=sipmediagw\\.1 state=failed.*(401|403)"), 30s));
    EXPECT_FALSE(has_aor("sipmediagw.1"));
    // Still serving direct calls: a failed registration is not fatal.
    const auto run = sipp(scenario("options.xml", gateway_->target()));
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_EQ(gateway_->terminate(), std::optional<int>(0));
}

}  // namespace
}  // namespace testsupport
