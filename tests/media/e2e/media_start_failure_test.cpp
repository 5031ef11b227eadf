// A call whose media pipeline cannot start is ended with BYE and a logged cause, not left up in
// silence. The fault is a real one: the daemon runs with a GStreamer plugin set that lacks the
// G.711 mu-law elements (as on a host missing part of gst-plugins-good), so the PCMU call's
// echo chain cannot be built; sipp answers and waits for the gateway's BYE.
#include "integration/gateway_fixture.hpp"

#include <filesystem>

namespace testsupport {
namespace {

using MediaStartFailureE2e = GatewayTest;

// The system's plugins, linked one by one into `dir`, all but `missing`.
std::filesystem::path plugins_without(const std::filesystem::path& dir,
                                      const std::string& missing) {
    const std::filesystem::path system = "/usr/lib/x86_64-linux-gnu/gstreamer-1.0";
    std::filesystem::create_directories(dir);
    for (const auto& e : std::filesystem::directory_iterator(system)) {
        if (e.path().extension() != ".so" || e.path().filename() == missing) continue;
        std::filesystem::create_symlink(e.path(), dir / e.path().filename());
    }
    return dir;
}

TEST_F(MediaStartFailureE2e, PipelineThatCannotStartEndsTheCallWithBye) {
    const auto plugins = plugins_without(dir_.path() / "gst-plugins", "libgstmulaw.so");
    ASSERT_TRUE(std::filesystem::exists("/usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgstmulaw.so"))
        << "the control: mu-law is installed here, so only this test's plugin set lacks it";
    GatewayOptions go;
    go.env = {"GST_PLUGIN_SYSTEM_PATH_1_0=" + plugins.string(),
              // A registry of its own: the user's cache stays as it is.
              "GST_REGISTRY_1_0=" + (dir_.path() / "gst-registry.bin").string()};
    auto& gw = start_gateway(go);
    auto run = sipp(scenario("media_timeout_bye.xml", gw.target(), "echo"));
    EXPECT_EQ(run.exit_code, 0) << "no BYE after the media failed to start\n" << run.log;
    auto& log = gw.program();
    EXPECT_TRUE(log.wait_for_log(std::regex("gateway: sess=\\S+ media start failed: \\S"),
                                 std::chrono::seconds(10)));
    EXPECT_TRUE(log.wait_for_log(std::regex("-> ending cause=media start failed: "),
                                 std::chrono::seconds(10)));
    EXPECT_TRUE(log.wait_for_log(std::regex("gateway: sess=\\S+ ended, 0 active"),
                                 std::chrono::seconds(10)));
    // Not the media timeout doing it late: the pipeline never ran, so nothing timed out.
    EXPECT_FALSE(log.log_contains(std::regex("media timeout")));
}

}  // namespace
}  // namespace testsupport
