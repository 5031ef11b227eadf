// probe-meeting's choice of service (--service NAME, among [[services]] or the one [service]),
// and the step order its report and exit status rest on.
#include "gateway/meeting_probe.hpp"

#include <gtest/gtest.h>

namespace {

TEST(ProbeService, EmptyNameIsTheDefaultService) {
    core::Config cfg;
    cfg.service.name = "jitsi";
    cfg.service.base_url = "https://meet.example.org";
    auto s = gateway::probe_service(cfg, "");
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->name, "jitsi");
    EXPECT_EQ(s->base_url, "https://meet.example.org");
}

TEST(ProbeService, NamedServiceIsFound) {
    core::Config cfg;
    cfg.service.name = "bigbluebutton";
    auto s = gateway::probe_service(cfg, "bigbluebutton");
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->name, "bigbluebutton");
}

TEST(ProbeService, UnknownNameIsAClearErrorNamingTheKnownOnes) {
    core::Config cfg;  // defaults: janus
    auto s = gateway::probe_service(cfg, "jitsi");
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("no service \"jitsi\""), std::string::npos)
        << s.error().message;
    EXPECT_NE(s.error().message.find("janus"), std::string::npos) << s.error().message;
}

TEST(ProbeService, ServicesEntriesAreFoundByName) {
    core::Config cfg;
    core::ServiceConfig meet;
    meet.name = "meet";
    meet.kind = "jitsi";
    core::ServiceConfig bbb;
    bbb.name = "bbb";
    bbb.kind = "bigbluebutton";
    cfg.services = {meet, bbb};
    cfg.service = meet;
    auto s = gateway::probe_service(cfg, "bbb");
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->adapter_kind(), "bigbluebutton");
    auto missing = gateway::probe_service(cfg, "janus");
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("meet, bbb"), std::string::npos)
        << missing.error().message;
}

TEST(ProbeSteps, JoinStepsComeInTheOrderAJoinReachesThem) {
    const std::vector<std::string_view> steps(std::begin(gateway::kProbeSteps),
                                              std::end(gateway::kProbeSteps));
    const std::vector<std::string_view> expected = {"browser", "page_loaded", "prejoin_passed",
                                                    "joined",  "media_sent",  "media_received",
                                                    "left"};
    EXPECT_EQ(steps, expected);
}

}  // namespace
