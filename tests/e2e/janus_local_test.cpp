#include "services/janus_local.hpp"
#include "private_network.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

TEST(JanusLocal, StartsAnswersAndStopsInThePrivateNetwork) {
    services::JanusLocalOptions o;
    o.http_ip = e2e::kMeetingAddress;
    o.http_port = 18088;
    o.ice_enforce_list = e2e::kMeetingInterface;
    pid_t pid = -1;
    {
        auto janus = services::JanusLocal::start(o);
        ASSERT_TRUE(janus.ok()) << janus.error().message;
        pid = (*janus)->pid();
        auto info = services::http_get_blocking(e2e::kMeetingAddress, 18088, "/janus/info",
                                                std::chrono::milliseconds(2000));
        ASSERT_TRUE(info.ok()) << info.error().message;
        EXPECT_EQ(info->status, 200);
        auto j = nlohmann::json::parse(info->body);
        EXPECT_EQ(j["janus"], "server_info");
        EXPECT_TRUE(j["plugins"].contains("janus.plugin.videoroom"));
        EXPECT_FALSE(j["transports"].contains("janus.transport.websockets"));
    }
    // Destroyed: the process is gone (kill(pid, 0) fails once it is reaped).
    EXPECT_NE(::kill(pid, 0), 0);
}

TEST(JanusLocal, ReportsAFailedStartClearly) {
    services::JanusLocalOptions o;
    o.http_ip = e2e::kMeetingAddress;
    o.http_port = 18089;
    o.janus_binary = "/nonexistent/janus";
    auto janus = services::JanusLocal::start(o);
    ASSERT_FALSE(janus.ok());
    EXPECT_NE(janus.error().message.find("janus"), std::string::npos) << janus.error().message;
}

}  // namespace
