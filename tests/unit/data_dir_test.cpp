// Where an installed or relocated gateway finds its page scripts and prompts, and how a missing
// file is reported (docs/deploy.md).
#include "core/data_dir.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <utility>

namespace {

namespace fs = std::filesystem;

class DataDirTest : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() /
                ("sipmediagw-data-dir-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(root_);
        fs::create_directories(root_ / "bin");
    }
    void TearDown() override { fs::remove_all(root_); }

    // A complete data directory with every file the gateway checks for.
    fs::path populate(const fs::path& dir) const {
        for (const auto& f : core::data_files()) {
            fs::create_directories((dir / f).parent_path());
            std::ofstream(dir / f) << "x";
        }
        return dir;
    }

    fs::path root_;
};

TEST_F(DataDirTest, TheListNamesScriptsAndPrompts) {
    const auto& files = core::data_files();
    for (const char* f : {"bridge/media_bridge.js", "bridge/compositor.js", "services/common.js",
                          "services/janus.js", "ivr/welcome_en.wav", "ivr/end_lost_fr.wav"})
        EXPECT_NE(std::find(files.begin(), files.end(), f), files.end()) << f;
}

TEST_F(DataDirTest, InstalledTreeNextToTheBinaryIsFound) {
    const auto data = populate(root_ / "share" / "sipmediagw");
    auto dirs = core::find_data_dirs("", root_ / "bin" / "sipmediagw");
    ASSERT_TRUE(dirs.ok()) << dirs.error().message;
    EXPECT_EQ(dirs->scripts, data);
    EXPECT_EQ(dirs->prompts, data);
    EXPECT_EQ(dirs->example_config, data / "sipmediagw.example.toml");
    EXPECT_NE(dirs->origin.find(root_.string()), std::string::npos) << dirs->origin;
    EXPECT_TRUE(core::check_data_dirs(*dirs).ok());
}

TEST_F(DataDirTest, ConfiguredDirectoryWinsOverTheInstalledTree) {
    populate(root_ / "share" / "sipmediagw");
    const auto mine = populate(root_ / "mine");
    auto dirs = core::find_data_dirs(mine.string(), root_ / "bin" / "sipmediagw");
    ASSERT_TRUE(dirs.ok()) << dirs.error().message;
    EXPECT_EQ(dirs->scripts, mine);
    EXPECT_EQ(dirs->prompts, mine);
    EXPECT_EQ(dirs->origin, "configured");
}

TEST_F(DataDirTest, ConfiguredDirectoryThatDoesNotExistIsNamed) {
    const auto missing = (root_ / "nowhere").string();
    auto dirs = core::find_data_dirs(missing, root_ / "bin" / "sipmediagw");
    ASSERT_FALSE(dirs.ok());
    EXPECT_NE(dirs.error().message.find(missing), std::string::npos) << dirs.error().message;
}

TEST_F(DataDirTest, WithoutAnInstalledTreeTheBuildTreeIsUsed) {
    auto dirs = core::find_data_dirs("", root_ / "bin" / "sipmediagw");
    ASSERT_TRUE(dirs.ok()) << dirs.error().message;
    EXPECT_EQ(dirs->scripts, fs::path(SIPMEDIAGW_ASSETS_DIR));
    EXPECT_EQ(dirs->prompts, fs::path(SIPMEDIAGW_GENERATED_ASSETS_DIR));
    EXPECT_EQ(dirs->origin, "build tree");
}

TEST_F(DataDirTest, MissingFileIsNamedWithWhereItLooked) {
    const auto data = populate(root_ / "share" / "sipmediagw");
    fs::remove(data / "ivr" / "goodbye_fr.wav");
    fs::remove(data / "services" / "jitsi.js");
    auto dirs = core::find_data_dirs("", root_ / "bin" / "sipmediagw");
    ASSERT_TRUE(dirs.ok()) << dirs.error().message;
    auto st = core::check_data_dirs(*dirs);
    ASSERT_FALSE(st.ok());
    const std::string& m = st.error().message;
    EXPECT_TRUE(m.find("services/jitsi.js") != std::string::npos ||
                m.find("ivr/goodbye_fr.wav") != std::string::npos)
        << m;
    EXPECT_NE(m.find(data.string()), std::string::npos) << m;
    EXPECT_NE(m.find("1 more"), std::string::npos) << m;
}

TEST_F(DataDirTest, PromptsAndScriptsComeFromTheirOwnDirectories) {
    core::DataDirs before = core::data_dirs();  // a copy: restored below
    core::set_data_dirs({"/s", "/p", "/s/x.toml", "test"});
    EXPECT_EQ(core::data_file("ivr/welcome_en.wav"), "/p/ivr/welcome_en.wav");
    EXPECT_EQ(core::data_file("bridge/media_bridge.js"), "/s/bridge/media_bridge.js");
    core::set_data_dirs(std::move(before));
}

}  // namespace
