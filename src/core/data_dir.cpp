#include "core/data_dir.hpp"

#include <fmt/format.h>

#include <system_error>
#include <utility>

namespace core {

namespace {

namespace fs = std::filesystem;

bool is_dir(const fs::path& p) {
    std::error_code ec;
    return fs::is_directory(p, ec);
}

DataDirs build_tree() {
    return DataDirs{SIPMEDIAGW_ASSETS_DIR, SIPMEDIAGW_GENERATED_ASSETS_DIR,
                    SIPMEDIAGW_BUILD_EXAMPLE_CONFIG, "build tree"};
}

DataDirs one_dir(const fs::path& dir, std::string origin) {
    return DataDirs{dir, dir, dir / "sipmediagw.example.toml", std::move(origin)};
}

// Prompts are generated into the build tree; everything else is a source file.
bool is_prompt(std::string_view relative) {
    return relative.starts_with("ivr/");
}

DataDirs& current() {
    static DataDirs dirs = build_tree();
    return dirs;
}

}  // namespace

fs::path installed_data_dir(const fs::path& exe) {
    return exe.parent_path().parent_path() / "share" / "sipmediagw";
}

Result<DataDirs> find_data_dirs(const std::string& configured, const fs::path& exe) {
    if (!configured.empty()) {
        if (!is_dir(configured))
            return fail(fmt::format("data directory {} (configured) does not exist", configured));
        return one_dir(configured, "configured");
    }
    const fs::path installed = installed_data_dir(exe);
    if (is_dir(installed)) return one_dir(installed, "install prefix of " + exe.string());
    DataDirs built = build_tree();
    if (is_dir(built.scripts) && is_dir(built.prompts)) return built;
    return fail(fmt::format(
        "no data directory: looked in {} (install prefix of {}) and in the build tree ({}, {}); "
        "install with `cmake --install`, or set [paths] data_dir or --data-dir",
        installed.string(), exe.string(), built.scripts.string(), built.prompts.string()));
}

const std::vector<std::string>& data_files() {
    static const std::vector<std::string> files = [] {
        std::vector<std::string> out;
        const std::string_view all = SIPMEDIAGW_DATA_FILES;
        std::size_t start = 0;
        while (start < all.size()) {
            std::size_t end = all.find(',', start);
            if (end == std::string_view::npos) end = all.size();
            if (end > start) out.emplace_back(all.substr(start, end - start));
            start = end + 1;
        }
        return out;
    }();
    return files;
}

Status check_data_dirs(const DataDirs& dirs, const std::vector<std::string>& files) {
    std::size_t missing = 0;
    std::string first;
    fs::path first_dir;
    for (const auto& f : files) {
        const fs::path& dir = is_prompt(f) ? dirs.prompts : dirs.scripts;
        std::error_code ec;
        if (fs::is_regular_file(dir / f, ec)) continue;
        if (missing++ == 0) {
            first = f;
            first_dir = dir;
        }
    }
    if (missing == 0) return Ok{};
    return fail(fmt::format(
        "data file {} is missing: looked in {} ({}){}", first, first_dir.string(), dirs.origin,
        missing > 1 ? fmt::format(", and {} more are missing", missing - 1) : std::string()));
}

void set_data_dirs(DataDirs dirs) {
    current() = std::move(dirs);
}

const DataDirs& data_dirs() {
    return current();
}

std::string data_file(std::string_view relative) {
    const DataDirs& d = current();
    return ((is_prompt(relative) ? d.prompts : d.scripts) / relative).string();
}

}  // namespace core
