// The harness proven against real programs alone (baresip <-> Kamailio <-> baresip): if these
// fail, gateway test failures say nothing about the gateway.
#include "support/baresip_peer.hpp"
#include "support/ephemeral_credentials.hpp"
#include "support/kamailio.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>

namespace testsupport {
namespace {

bool has_aor(const Kamailio& k, const std::string& aor) {
    auto aors = k.registered_aors();
    return aors && std::find(aors->begin(), aors->end(), aor) != aors->end();
}

BaresipOptions registered_peer(const Kamailio& k, const std::string& name, const std::string& user,
                               const std::string& secret) {
    const auto cred = ephemeral_credentials(secret, user);
    BaresipOptions o;
    o.name = name;
    o.user = user;
    o.registrar = k.uri();
    o.auth_user = cred.user;
    o.auth_password = cred.password;
    return o;
}

TEST(Harness, BaresipRegistersWithEphemeralCredentials) {
    TempDir dir("harness-register");
    auto kam = Kamailio::start(dir.path());
    ASSERT_TRUE(kam) << kam.error().message;
    auto peer =
        BaresipPeer::start(dir.path(), registered_peer(*kam, "alice", "alice", kam->secret()));
    ASSERT_TRUE(peer) << peer.error().message;
    EXPECT_TRUE(wait_until([&] { return has_aor(*kam, "alice"); }, 20s));
    const auto contacts = kam->contacts_of("alice");
    ASSERT_EQ(contacts.size(), 1u);
    EXPECT_NE(contacts[0].find(":" + std::to_string((*peer)->sip_port())), std::string::npos)
        << contacts[0];
}

TEST(Harness, WrongSecretIsRejectedByKamailio) {
    TempDir dir("harness-badsecret");
    auto kam = Kamailio::start(dir.path());
    ASSERT_TRUE(kam) << kam.error().message;
    auto peer =
        BaresipPeer::start(dir.path(), registered_peer(*kam, "mallory", "mallory", "wrong"));
    ASSERT_TRUE(peer) << peer.error().message;
    // Kamailio answers the credentials with a new challenge; baresip reports the failure.
    EXPECT_TRUE((*peer)->program().wait_for_log(std::regex("mallory@127.0.0.1: 40[13] "), 20s));
    EXPECT_FALSE(has_aor(*kam, "mallory"));
}

// A baresip registered as slot "sipmediagw.1" stands in for a gateway: a call to
// sip:testroom@<kamailio> must reach it with the room still in the request-URI.
TEST(Harness, RoomCallIsRoutedToARegisteredSlot) {
    TempDir dir("harness-route");
    auto kam = Kamailio::start(dir.path());
    ASSERT_TRUE(kam) << kam.error().message;
    auto slot_opts = registered_peer(*kam, "slot", "sipmediagw.1", kam->secret());
    slot_opts.answermode = "auto";
    // baresip finds the local account by request-URI user: give it one named like the room.
    slot_opts.extra_accounts = {"<sip:testroom@127.0.0.1>;regint=0;answermode=auto"};
    auto slot = BaresipPeer::start(dir.path(), slot_opts);
    ASSERT_TRUE(slot) << slot.error().message;
    ASSERT_TRUE(wait_until([&] { return has_aor(*kam, "sipmediagw.1"); }, 20s));

    BaresipOptions caller_opts;
    caller_opts.name = "caller";
    caller_opts.user = "bob";
    auto caller = BaresipPeer::start(dir.path(), caller_opts);
    ASSERT_TRUE(caller) << caller.error().message;
    ASSERT_TRUE((*caller)->dial("sip:testroom@127.0.0.1:" + std::to_string(kam->port())));
    ASSERT_TRUE((*caller)->wait_established(20s));
    EXPECT_TRUE((*slot)->wait_established(20s));
    EXPECT_TRUE(kam->program().wait_for_log(
        std::regex("INVITE sip:testroom@.* -> slot sipmediagw\\.1"), 10s));
    ASSERT_TRUE((*caller)->ctrl().command("hangup"));
    EXPECT_TRUE((*caller)->wait_closed(20s));
    EXPECT_TRUE((*slot)->wait_closed(20s));
}

TEST(Harness, RoomCallWithoutAnySlotGets480) {
    TempDir dir("harness-noslot");
    auto kam = Kamailio::start(dir.path());
    ASSERT_TRUE(kam) << kam.error().message;
    BaresipOptions o;
    o.name = "caller";
    o.user = "bob";
    auto caller = BaresipPeer::start(dir.path(), o);
    ASSERT_TRUE(caller) << caller.error().message;
    ASSERT_TRUE((*caller)->dial("sip:testroom@127.0.0.1:" + std::to_string(kam->port())));
    const auto reason = (*caller)->wait_closed(20s);
    ASSERT_TRUE(reason);
    EXPECT_NE(reason->find("480"), std::string::npos) << *reason;
}

TEST(Harness, KamailioRestartKeepsPortAndUaRegistersAgain) {
    TempDir dir("harness-restart");
    auto kam = Kamailio::start(dir.path());
    ASSERT_TRUE(kam) << kam.error().message;
    auto opts = registered_peer(*kam, "alice", "alice", kam->secret());
    opts.register_interval_s = 10;  // baresip refreshes about halfway through
    auto peer = BaresipPeer::start(dir.path(), opts);
    ASSERT_TRUE(peer) << peer.error().message;
    ASSERT_TRUE(wait_until([&] { return has_aor(*kam, "alice"); }, 20s));
    const auto port = kam->port();
    ASSERT_TRUE(kam->restart());
    EXPECT_EQ(kam->port(), port);
    // The new instance starts empty (usrloc db_mode 0); alice is back only once she registered
    // with it again (its own log shows the challenge of that REGISTER).
    EXPECT_TRUE(kam->program().wait_for_log(std::regex("REGISTER sip:alice@"), 30s));
    EXPECT_TRUE(wait_until([&] { return has_aor(*kam, "alice"); }, 30s));
}

}  // namespace
}  // namespace testsupport

namespace testsupport {
namespace {

// The Program wrapper itself: log capture, waiting on it, and stopping a whole process group
// (a shell and the child it forked) so nothing of ours outlives a test.
TEST(Harness, ProgramCapturesLogAndStopsItsWholeGroup) {
    TempDir dir("harness-program");
    auto prog =
        Program::start("sh", {"sh", "-c", "echo started >&2; sleep 300 & wait"}, dir.path());
    ASSERT_TRUE(prog) << prog.error().message;
    EXPECT_TRUE(prog->wait_for_log(std::regex("started\n"), 10s));
    EXPECT_FALSE(prog->wait_for_log(std::regex("never printed"), 200ms));
    const pid_t group = prog->pid();
    EXPECT_EQ(::kill(-group, 0), 0) << "the group should be alive";
    prog->stop();
    EXPECT_TRUE(wait_until([&] { return ::kill(-group, 0) != 0; }, 10s))
        << "sleep, forked by the shell, outlived the stop";
}

}  // namespace
}  // namespace testsupport
