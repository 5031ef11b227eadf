#include "browser/temp_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <utility>
#include <vector>

namespace browser {

TempDir::TempDir(TempDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}

TempDir& TempDir::operator=(TempDir&& other) noexcept {
    if (this != &other) {
        remove();
        path_ = std::exchange(other.path_, {});
    }
    return *this;
}

core::Result<TempDir> TempDir::create(const std::string& parent, const std::string& prefix) {
    std::string base = parent;
    if (base.empty()) {
        const char* env = std::getenv("TMPDIR");
        base = (env != nullptr && *env != '\0') ? env : "/tmp";
    }
    std::string templ = base + "/" + prefix + "XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr)
        return core::fail("cannot create a directory in " + base + ": " + std::strerror(errno));
    TempDir dir;
    dir.path_ = buf.data();
    return dir;
}

void TempDir::remove() noexcept {
    if (path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    path_.clear();
}

}  // namespace browser
