// A static HTTP server for a test (python3's http.server on 127.0.0.1): the number and service
// mappers the IVR asks.
#pragma once

#include "support/ports.hpp"
#include "support/program.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <string>

namespace testsupport {

// Started into `server`, serving `files` (path below the root -> body) from <dir>/files; its
// port, 0 (with a test failure) when it did not start.
inline uint16_t start_file_server(std::optional<Program>& server, const std::filesystem::path& dir,
                                  const std::map<std::string, std::string>& files) {
    const auto root = dir / "files";
    std::filesystem::create_directories(root);
    for (const auto& [path, body] : files) {
        std::filesystem::create_directories((root / path).parent_path());
        write_file(root / path, body);
    }
    const uint16_t port = free_port();
    auto p = Program::start("mapper",
                            {"python3", "-m", "http.server", std::to_string(port), "--bind",
                             "127.0.0.1", "--directory", root.string()},
                            dir);
    if (!p) {
        ADD_FAILURE() << p.error().message;
        return 0;
    }
    server.emplace(std::move(p.value()));
    EXPECT_TRUE(server->wait_for_log(std::regex("Serving HTTP"), std::chrono::seconds(20)))
        << server->tail();
    return port;
}

}  // namespace testsupport
