// Watches every other network interface (tcpdump, one per interface that is up) for anything
// that should have stayed on loopback: packets to or from 127.0.0.0/8, and ARP asking for
// 127.0.0.1 (seen once from Chromium with --allow-loopback-in-peer-connection).
#pragma once

#include "browser/temp_dir.hpp"
#include "core/child_process.hpp"

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace browser_test {

class LoopbackGuard {
public:
    // Starts the captures; ok() is false (with error()) when one cannot start.
    LoopbackGuard() {
        auto dir = browser::TempDir::create("", "sipmediagw-capture-");
        if (!dir) {
            error_ = dir.error().message;
            return;
        }
        dir_ = std::move(*dir);
        for (const auto& entry : std::filesystem::directory_iterator("/sys/class/net")) {
            const std::string name = entry.path().filename();
            if (name == "lo") continue;
            std::ifstream state(entry.path() / "operstate");
            std::string s;
            state >> s;
            if (s != "up" && s != "unknown") continue;
            start(name);
        }
    }

    [[nodiscard]] bool ok() const { return error_.empty(); }
    [[nodiscard]] const std::string& error() const { return error_; }
    [[nodiscard]] size_t interfaces() const { return captures_.size(); }

    // Stops the captures and returns what they saw (one line per packet).
    std::vector<std::string> stop() {
        std::vector<std::string> lines;
        for (auto& c : captures_) {
            c.process.signal(SIGINT);  // tcpdump flushes and exits on SIGINT
            c.process.wait_for(std::chrono::seconds(10));
            c.process.terminate();
            std::ifstream in(c.out);
            std::string line;
            while (std::getline(in, line))
                if (!line.empty()) lines.push_back(c.interface + ": " + line);
        }
        captures_.clear();
        return lines;
    }

private:
    struct Capture {
        std::string interface;
        std::string out;
        core::ChildProcess process;
    };

    void start(const std::string& interface) {
        Capture c;
        c.interface = interface;
        c.out = dir_.path() + "/" + interface + ".txt";
        const std::string err = dir_.path() + "/" + interface + ".err";
        core::SpawnOptions so;
        so.stdout_path = c.out;
        so.stderr_path = err;
        auto p = core::ChildProcess::spawn({"tcpdump", "-i", interface, "-n", "-l", "-p",
                                            "net 127.0.0.0/8 or (arp and host 127.0.0.1)"},
                                           so);
        if (!p) {
            error_ = p.error().message;
            return;
        }
        c.process = std::move(*p);
        // Capturing only counts once tcpdump says it listens; poll its stderr.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        for (;;) {
            std::ifstream in(err);
            std::stringstream ss;
            ss << in.rdbuf();
            if (ss.str().find("listening on") != std::string::npos) break;
            if (!c.process.running() || std::chrono::steady_clock::now() > deadline) {
                error_ = "tcpdump on " + interface + " did not start: " + ss.str();
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        captures_.push_back(std::move(c));
    }

    browser::TempDir dir_;
    std::vector<Capture> captures_;
    std::string error_;
};

}  // namespace browser_test
