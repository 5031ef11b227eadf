// A per-test scratch directory: config files and program logs live here. Removed when the test
// passed; kept (and its path printed) when it failed, so the logs can be read afterwards.
#pragma once

#include <filesystem>
#include <string>

namespace testsupport {

class TempDir {
public:
    explicit TempDir(const std::string& label = "test");
    ~TempDir();
    TempDir(TempDir&& other) noexcept;
    TempDir& operator=(TempDir&&) = delete;
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
    [[nodiscard]] std::filesystem::path operator/(const std::string& name) const {
        return path_ / name;
    }
    // A fresh subdirectory (created).
    [[nodiscard]] std::filesystem::path subdir(const std::string& name) const;

private:
    std::filesystem::path path_;
};

// Prefix of every TempDir, so the suite can check that none is left behind.
std::filesystem::path temp_root();

// SIPMEDIAGW_KEEP_LOGS=1 keeps every test's dir, passed or not (for reading logs of a pass).
bool keep_logs();

void write_file(const std::filesystem::path& path, const std::string& text);
std::string read_file(const std::filesystem::path& path);

}  // namespace testsupport
