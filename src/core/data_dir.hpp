// Where the gateway's data files live at run time: the page scripts (bridge/, services/) and the
// spoken prompts rendered at build time (ivr/). An installed gateway finds them under
// <prefix>/share/sipmediagw next to its binary, or where [paths] data_dir / --data-dir says; a
// gateway run from the build tree reads the source tree's scripts and the build's prompts
// (docs/deploy.md).
#pragma once

#include "core/result.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace core {

struct DataDirs {
    std::filesystem::path scripts;  // holds bridge/*.js and services/*.js
    std::filesystem::path prompts;  // holds ivr/*.wav
    // The example configuration `sipmediagw demo` starts from.
    std::filesystem::path example_config;
    std::string origin;  // how it was found, for the start-up log line
};

// The data directory of an installed tree whose binary is `exe`: <exe>/../../share/sipmediagw.
std::filesystem::path installed_data_dir(const std::filesystem::path& exe);

// `configured` (the --data-dir flag, else [paths] data_dir) when set; else the installed tree
// next to `exe` when it exists; else the build tree this binary was built in. Fails only when
// none of them exists, naming every place it looked.
Result<DataDirs> find_data_dirs(const std::string& configured, const std::filesystem::path& exe);

// Every file the gateway may read from its data directory, relative to it ("ivr/x_en.wav").
const std::vector<std::string>& data_files();

// Checks that each of `files` is there; the error names the first missing one, the directory it
// looked in and how that directory was chosen.
Status check_data_dirs(const DataDirs& dirs, const std::vector<std::string>& files = data_files());

// The directories in use by this process: set once at start (before any call), the build tree
// until then (tests that use the libraries directly).
void set_data_dirs(DataDirs dirs);
const DataDirs& data_dirs();

// Full path of a data file by its relative name ("bridge/media_bridge.js", "ivr/goodbye_en.wav").
std::string data_file(std::string_view relative);

}  // namespace core
