// Integration test entry point: after every test and at the end of the suite, no program we
// started may still run and no temp dir of a passed test may remain.
#include "support/crash_handler.hpp"
#include "support/program.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

namespace {

class LeftoverCheck : public ::testing::EmptyTestEventListener {
    void OnTestEnd(const ::testing::TestInfo& info) override {
        const auto live = testsupport::live_started_process_groups();
        if (!live.empty()) {
            ADD_FAILURE() << info.name() << " left " << live.size()
                          << " started process group(s) running, first pgid " << live.front();
            for (pid_t g : live) ::kill(-g, SIGKILL);
        }
    }
};

class SuiteCheck : public ::testing::Environment {
    void TearDown() override {
        EXPECT_TRUE(testsupport::live_started_process_groups().empty())
            << "programs left running at the end of the suite";
        const auto root = testsupport::temp_root();
        bool any_failed = false;
        const auto* unit = ::testing::UnitTest::GetInstance();
        any_failed = unit->failed_test_count() > 0;
        if (!any_failed && !testsupport::keep_logs()) {
            // Every passed test removes its own dir; only the empty root may remain.
            // Names what is inside too: a dir that reappears after its test removed it was
            // written by something still running, and its files say what.
            std::string left;
            for (const auto& e : std::filesystem::directory_iterator(root)) {
                left += " " + e.path().filename().string() + " [";
                std::error_code ec;
                int shown = 0;
                for (auto it = std::filesystem::recursive_directory_iterator(e.path(), ec);
                     !ec && it != std::filesystem::recursive_directory_iterator() && shown < 20;
                     it.increment(ec), ++shown) {
                    left += " " + std::filesystem::relative(it->path(), e.path()).string();
                }
                left += " ]";
            }
            EXPECT_TRUE(left.empty()) << "temp dirs left under " << root << ":" << left;
            std::error_code ec;
            std::filesystem::remove(root, ec);
        }
    }
};

}  // namespace

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    testsupport::install_crash_handler();
    // Children are reaped explicitly; a SIGPIPE from a peer that died must fail a test, not
    // kill the runner.
    ::signal(SIGPIPE, SIG_IGN);
    ::testing::UnitTest::GetInstance()->listeners().Append(new LeftoverCheck);
    ::testing::AddGlobalTestEnvironment(new SuiteCheck);
    return RUN_ALL_TESTS();
}
