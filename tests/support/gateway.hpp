// The gateway under test: `sipmediagw serve --config <temp>/sipmediagw.toml`, ready when it
// prints "sipmediagw: ready"; stopped with SIGTERM and expected to exit 0.
#pragma once

#include "core/result.hpp"
#include "support/program.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace testsupport {

struct GatewayOptions {
    std::string name = "sipmediagw";  // config file <name>.toml and log <name>.log
    uint32_t max_calls = 4;
    uint32_t ring_ms = 0;
    uint32_t busy_status = 486;  // 486, or 503 (sent with Retry-After)
    // Registration to a Kamailio (server "sip:127.0.0.1:PORT"); none when empty.
    std::string registrar_server;
    std::string registrar_secret;
    std::string ua_name = "sipmediagw";
    std::string prefix;
    uint32_t expires = 600;
    uint32_t slots = 0;
    // The HTTP API on 127.0.0.1:<free port> (so parallel runs never meet on 8080); false: off.
    bool api = true;
    std::string api_token;
    uint32_t reservation_timeout_s = 60;
    // With a certificate (PEM, certificate then key): a "tls:127.0.0.1:<free port>" listener too.
    std::string tls_certificate;
    std::string tls_ca_file;  // sip.tls_ca_file; empty: the system store
    bool tls_verify = true;   // sip.tls_verify
    std::string dns_server;   // sip.dns_servers = ["<this>"] ("127.0.0.1:<port>"); empty: none
    std::string extra_toml;   // appended verbatim
    // Added to the daemon's environment ("NAME=value"), e.g. GStreamer's plugin path to
    // provoke a missing element.
    std::vector<std::string> env;
};

class Gateway {
public:
    static core::Result<Gateway> start(
        const std::filesystem::path& dir, GatewayOptions options,
        std::chrono::milliseconds ready_timeout = std::chrono::seconds(30));

    [[nodiscard]] uint16_t sip_port() const noexcept { return port_; }
    [[nodiscard]] uint16_t tls_port() const noexcept { return tls_port_; }  // 0: no TLS listener
    // sip:<user>@127.0.0.1:<port>
    [[nodiscard]] std::string uri(const std::string& user) const;
    [[nodiscard]] std::string target() const;  // "127.0.0.1:<port>" for sipp
    [[nodiscard]] uint16_t api_port() const noexcept { return api_port_; }  // 0: no API
    [[nodiscard]] Program& program() noexcept { return program_; }

    // SIGTERM and wait for the exit; the exit code (nullopt if it had to be killed).
    std::optional<int> terminate(std::chrono::milliseconds grace = std::chrono::seconds(15));

    static std::string config_toml(const GatewayOptions& options, uint16_t port,
                                   uint16_t api_port = 0, uint16_t tls_port = 0);

    // True once terminate() was called: any exit before that is a crash or a bug.
    [[nodiscard]] bool terminated_by_test() const noexcept { return terminated_; }

private:
    uint16_t port_ = 0;
    uint16_t tls_port_ = 0;
    uint16_t api_port_ = 0;
    bool terminated_ = false;
    Program program_;
};

std::filesystem::path gateway_binary();

}  // namespace testsupport
