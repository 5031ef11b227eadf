#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

namespace testsupport {

std::filesystem::path temp_root() {
    // One new root per test binary run, so runs in parallel never see each other. Made by
    // mkdtemp, not named after the PID: a PID comes round again, and the root of an earlier run
    // with that PID (a failed test's kept logs, a stopped bench's files) once failed the
    // suite's check that nothing is left behind. Kept short: baresip leaves the .wav off a
    // recording whose path passes about 125 characters (seen: the dial-out SRTP test's
    // recording was not found), and the test dirs below are named after long test names.
    static const std::filesystem::path root = [] {
        std::string templ = (std::filesystem::temp_directory_path() / "sipmediagw-XXXXXX").string();
        if (::mkdtemp(templ.data()) == nullptr)
            throw std::runtime_error("mkdtemp failed: " + templ);
        // mkdtemp makes it 0700; the tests that run the installed daemon as another user
        // (InstalledTree.AsNobody*) need to pass through it, as through /tmp.
        std::filesystem::permissions(
            templ, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                       std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                       std::filesystem::perms::others_exec);
        return std::filesystem::path(templ);
    }();
    return root;
}

bool keep_logs() {
    const char* v = std::getenv("SIPMEDIAGW_KEEP_LOGS");
    return v != nullptr && *v != '\0' && std::string(v) != "0";
}

TempDir::TempDir(const std::string& label) {
    std::string templ = (temp_root() / (label + "-XXXXXX")).string();
    if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed: " + templ);
    path_ = templ;
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}

TempDir::~TempDir() {
    if (path_.empty()) return;
    if (::testing::Test::HasFailure() || keep_logs()) {
        std::cerr << "[ logs kept ] " << path_.string() << "\n";
        return;
    }
    // A program that was just stopped may still be closing a file in here (its last recording
    // block, a log line): removal can race with it, so retry until the dir is gone.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::error_code ec;
    while (true) {
        std::filesystem::remove_all(path_, ec);
        if (!std::filesystem::exists(path_) || std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (std::filesystem::exists(path_)) {
        std::cerr << "[ temp dir ] could not remove " << path_.string() << ": " << ec.message()
                  << "\n";
    }
}

std::filesystem::path TempDir::subdir(const std::string& name) const {
    auto p = path_ / name;
    std::filesystem::create_directories(p);
    return p;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace testsupport
