// Issue 13: with --disable-gpu alone, headless Chromium's GPU process still loads SwiftShader
// (libvk_swiftshader.so, software Vulkan behind ANGLE) to give pages WebGL, about 10 MiB of heap
// per browser. The built-in --use-gl=disabled keeps it out; a configured
// `--use-gl=angle --use-angle=swiftshader` (extra_flags come last, the last value wins) gives
// WebGL back to a meeting client that needs it. The 2D canvas the compositor draws into does
// not depend on it.
#include "browser_fixture.hpp"
#include "process_probe.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace {

using namespace std::chrono_literals;

std::string read_proc(pid_t pid, const std::string& file) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/" + file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The GPU process's pid among a browser's process group, 0 while there is none.
pid_t gpu_process(pid_t browser_pid) {
    for (const pid_t pid : browser_test::process_group_members(browser_pid))
        if (read_proc(pid, "cmdline").find("--type=gpu-process") != std::string::npos) return pid;
    return 0;
}

constexpr const char* kContexts = R"JS((() => {
  const gl = document.createElement('canvas').getContext('webgl');
  const g2d = document.createElement('canvas').getContext('2d');
  return {webgl: !!gl, canvas2d: !!g2d};
})())JS";

class GpuProcessTest : public browser_test::BrowserFixture {
protected:
    // Opens a page, asks it for a WebGL and a 2D context, and returns whether the GPU process
    // mapped SwiftShader by then.
    struct Seen {
        std::string contexts;  // the page's answer, as JSON text (keys sorted)
        bool swiftshader = false;
    };
    Seen look() {
        Seen seen;
        auto b = launch_ready();
        if (!b) return seen;
        auto page = open_page(*b);
        if (!page) return seen;
        auto contexts = evaluate(*page, kContexts);
        EXPECT_TRUE(contexts.ok()) << (contexts.ok() ? "" : contexts.error().message);
        if (contexts.ok()) seen.contexts = contexts->dump();
        pid_t gpu = 0;
        EXPECT_TRUE(run_until([&] { return (gpu = gpu_process(b->pid())) != 0; }, 60s))
            << "no GPU process";
        seen.swiftshader = read_proc(gpu, "maps").find("swiftshader") != std::string::npos;
        return seen;
    }
};

TEST_F(GpuProcessTest, NoSwiftShaderAndNoWebGlByDefault) {
    const Seen seen = look();
    EXPECT_EQ(seen.contexts, R"({"canvas2d":true,"webgl":false})");
    EXPECT_FALSE(seen.swiftshader) << "the GPU process mapped SwiftShader";
}

TEST_F(GpuProcessTest, ConfiguredFlagsGiveWebGlBack) {
    extra_flags_ = {"--use-gl=angle", "--use-angle=swiftshader"};
    const Seen seen = look();
    EXPECT_EQ(seen.contexts, R"({"canvas2d":true,"webgl":true})");
    EXPECT_TRUE(seen.swiftshader) << "the GPU process did not map SwiftShader";
}

}  // namespace
