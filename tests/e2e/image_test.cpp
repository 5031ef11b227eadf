// Issue 11: the container image (deploy/docker/Dockerfile), run as its documented usage runs it
// (`--network host`, the image's own user, `sipmediagw demo` from the installed example), does
// what the install tree does: `sip:0@` plays the prompts and a call joins the meeting, with
// Chromium's sandbox on. Not in ctest (it needs an image built first, which took an hour here):
// scripts/image-test.sh (`make image-test`) builds the image and runs this binary with
// SIPMEDIAGW_IMAGE. The test process is in its private network namespace (e2e_main.cpp), so
// the container's "host" network is that namespace; `--pid host` lets the checks read the
// gateway's and its renderers' /proc entries by the pids the gateway logs.
#include "installed_gateway_fixture.hpp"
#include "private_network.hpp"
#include "support/program.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>
#include <sstream>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::vector<std::string> words(const char* env) {
    std::vector<std::string> out;
    std::istringstream in(env != nullptr ? env : "");
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

// Every pid whose command line starts with `argv0` (NUL-terminated, as /proc has it).
std::vector<pid_t> pids_running(const std::string& argv0) {
    std::vector<pid_t> pids;
    for (const auto& e : fs::directory_iterator("/proc")) {
        const std::string name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        const std::string cmdline = e2e::proc_file(std::stoi(name), "cmdline");
        if (cmdline.rfind(argv0 + '\0', 0) == 0) pids.push_back(std::stoi(name));
    }
    return pids;
}

class ContainerImage : public e2e::InstalledGatewayFixture {
protected:
    void SetUp() override {
        e2e::InstalledGatewayFixture::SetUp();
        const char* image = std::getenv("SIPMEDIAGW_IMAGE");
        ASSERT_TRUE(image != nullptr && *image != '\0')
            << "SIPMEDIAGW_IMAGE names no image: run scripts/image-test.sh";
        image_ = image;
        container_ = "sipmediagw-image-test-" + std::to_string(::getpid());
    }
    void TearDown() override {
        // A failed test kills `podman run` but not the container it runs: remove it by name.
        (void)testsupport::run_command(podman({"rm", "--force", "--ignore", container_}),
                                       tmp_.path(), 60s);
        e2e::InstalledGatewayFixture::TearDown();
    }

    // podman, its global flags (SIPMEDIAGW_PODMAN_ARGS), then `args`.
    static std::vector<std::string> podman(const std::vector<std::string>& args) {
        std::vector<std::string> argv = {"podman"};
        for (auto& w : words(std::getenv("SIPMEDIAGW_PODMAN_ARGS"))) argv.push_back(w);
        argv.insert(argv.end(), args.begin(), args.end());
        return argv;
    }
    // `podman run` with this machine's run flags (SIPMEDIAGW_PODMAN_RUN_ARGS), then `args`.
    [[nodiscard]] std::vector<std::string> podman_run(const std::vector<std::string>& args) const {
        std::vector<std::string> argv = podman({"run", "--rm"});
        for (auto& w : words(std::getenv("SIPMEDIAGW_PODMAN_RUN_ARGS"))) argv.push_back(w);
        argv.insert(argv.end(), args.begin(), args.end());
        return argv;
    }
    // One command in a throwaway container of the image; its output, or the failure.
    core::Result<std::string> in_image(const std::string& entrypoint,
                                       const std::vector<std::string>& args) {
        std::vector<std::string> argv =
            podman_run({"--network", "none", "--entrypoint", entrypoint, image_});
        argv.insert(argv.end(), args.begin(), args.end());
        auto r = testsupport::run_command(argv, tmp_.path(), 120s);
        if (!r) return r.error();
        if (r->exit_code != 0) return core::fail(entrypoint + " failed: " + r->output);
        return r->output;
    }

    testsupport::TempDir tmp_{"image"};
    std::string image_;
    std::string container_;
};

// docs/deploy.md's check that the container lets its user make user namespaces (Chromium's
// sandbox needs them), and that the image's user is not root.
TEST_F(ContainerImage, ItsUserIsNotRootAndMayCreateUserNamespaces) {
    auto uid = in_image("id", {"-u"});
    ASSERT_TRUE(uid.ok()) << uid.error().message;
    EXPECT_NE(std::stoi(*uid), 0) << *uid;
    auto userns = in_image("unshare", {"-U", "true"});
    EXPECT_TRUE(userns.ok()) << userns.error().message;
}

TEST_F(ContainerImage, AnswersTheIvrAndJoinsTheMeetingSandboxed) {
    auto uid_text = in_image("id", {"-u"});
    ASSERT_TRUE(uid_text.ok()) << uid_text.error().message;
    const int uid = std::stoi(*uid_text);
    ASSERT_NE(uid, 0);
    // HOME and TMPDIR (Chromium profiles) mounted at the same path inside and out, so the
    // profile paths the gateway logs can be checked from here once it is gone.
    const fs::path home = tmp_.path() / "home";
    fs::create_directories(home);
    ASSERT_EQ(::chown(home.c_str(), uid, uid), 0);
    fs::permissions(tmp_.path(), fs::perms::others_read | fs::perms::others_exec,
                    fs::perm_options::add);

    auto argv = podman_run({"--name",      container_,
                            "--network",   "host",
                            "--pid",       "host",
                            "--shm-size",  "1g",
                            "--volume",    home.string() + ":" + home.string(),
                            "--env",       "HOME=" + home.string(),
                            "--env",       "TMPDIR=" + home.string(),
                            image_,        "demo",
                            "--address",   e2e::kMeetingAddress,
                            "--log-level", "debug"});
    auto gw = e2e::DemoGateway::start_command(tmp_.path(), argv);
    ASSERT_TRUE(gw.ok()) << gw.error().message;
    auto& log = gw->program();
    const auto gateways = pids_running("/usr/local/bin/sipmediagw");
    ASSERT_EQ(gateways.size(), 1U) << "no single gateway process in the container";
    EXPECT_NE(e2e::proc_file(gateways[0], "status").find("Uid:\t" + std::to_string(uid)),
              std::string::npos)
        << "the gateway does not run as the image's user";
    EXPECT_TRUE(log.log_contains(std::regex(
        "sipmediagw: data dir=/usr/local/share/sipmediagw prompts=/usr/local/share/sipmediagw")))
        << log.tail();
    EXPECT_FALSE(log.log_contains(std::regex("--no-sandbox"))) << log.tail();

    answers_ivr_and_joins_sandboxed(*gw, tmp_.path());
}

}  // namespace
