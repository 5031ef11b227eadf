// A private directory removed with everything in it when the owner goes away: each browser gets
// a fresh profile (--user-data-dir) so nothing of one call leaks into the next.
#pragma once

#include "core/result.hpp"

#include <string>

namespace browser {

class TempDir {
public:
    TempDir() = default;
    ~TempDir() { remove(); }
    TempDir(TempDir&& other) noexcept;
    TempDir& operator=(TempDir&& other) noexcept;
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    // Creates <parent>/<prefix>XXXXXX (mode 0700). Empty parent: $TMPDIR, else /tmp.
    static core::Result<TempDir> create(const std::string& parent, const std::string& prefix);

    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    void remove() noexcept;

private:
    std::string path_;
};

}  // namespace browser
