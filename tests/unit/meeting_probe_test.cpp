// probe-meeting's choice of service (--service NAME): the one function the [[services]] list
// will replace, and the step order its report and exit status rest on.
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

TEST(ProbeSteps, JoinStepsComeInTheOrderAJoinReachesThem) {
    const std::vector<std::string_view> steps(std::begin(gateway::kProbeSteps),
                                              std::end(gateway::kProbeSteps));
    const std::vector<std::string_view> expected = {"browser", "page_loaded", "prejoin_passed",
                                                    "joined",  "media_sent",  "media_received",
                                                    "left"};
    EXPECT_EQ(steps, expected);
}

}  // namespace
