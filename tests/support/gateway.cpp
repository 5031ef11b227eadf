#include "support/gateway.hpp"

#include "support/ports.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

#include <signal.h>

#include <regex>
#include <sstream>

namespace testsupport {

std::filesystem::path gateway_binary() {
#ifdef SIPMEDIAGW_BINARY
    return SIPMEDIAGW_BINARY;
#else
    return std::filesystem::path(SIPMEDIAGW_SOURCE_DIR) / "build" / "src" / "sipmediagw";
#endif
}

std::string Gateway::config_toml(const GatewayOptions& o, uint16_t port, uint16_t api_port,
                                 uint16_t tls_port) {
    std::ostringstream t;
    const auto p = std::to_string(port);
    t << "[log]\nlevel = \"debug\"\n\n"
      << "[sip]\n"
      << "listen = [\"udp:127.0.0.1:" << p << "\", \"tcp:127.0.0.1:" << p << "\"";
    if (tls_port != 0) t << ", \"tls:127.0.0.1:" << tls_port << "\"";
    t << "]\n";
    if (!o.tls_certificate.empty()) t << "tls_certificate = \"" << o.tls_certificate << "\"\n";
    if (!o.tls_ca_file.empty()) t << "tls_ca_file = \"" << o.tls_ca_file << "\"\n";
    if (!o.tls_verify) t << "tls_verify = false\n";
    if (!o.dns_server.empty()) t << "dns_servers = [\"" << o.dns_server << "\"]\n";
    t << "ring_ms = " << o.ring_ms << "\n"
      << "busy_status = " << o.busy_status << "\n\n"
      << "[capacity]\n"
      << "max_calls = " << o.max_calls << "\n\n";
    if (!o.registrar_server.empty()) {
        t << "[registrar]\n"
          << "server = \"" << o.registrar_server << "\"\n"
          << "secret = \"" << o.registrar_secret << "\"\n"
          << "ua_name = \"" << o.ua_name << "\"\n";
        if (!o.prefix.empty()) t << "prefix = \"" << o.prefix << "\"\n";
        t << "expires = " << o.expires << "\n";
        if (o.slots > 0) t << "slots = " << o.slots << "\n";
        t << "\n";
    }
    t << "[api]\n";
    if (api_port != 0) {
        t << "listen = \"127.0.0.1:" << api_port << "\"\n"
          << "reservation_timeout_s = " << o.reservation_timeout_s << "\n";
        if (!o.api_token.empty()) t << "token = \"" << o.api_token << "\"\n";
    } else {
        t << "listen = \"\"\n";
    }
    t << "\n" << o.extra_toml;
    return t.str();
}

core::Result<Gateway> Gateway::start(const std::filesystem::path& dir, GatewayOptions options,
                                     std::chrono::milliseconds ready_timeout) {
    Gateway gw;
    gw.port_ = free_port();
    if (options.api) gw.api_port_ = free_port();
    if (!options.tls_certificate.empty()) gw.tls_port_ = free_port();
    const auto config = dir / (options.name + ".toml");
    write_file(config, config_toml(options, gw.port_, gw.api_port_, gw.tls_port_));
    auto prog = Program::start(options.name,
                               {gateway_binary().string(), "serve", "--config", config.string()},
                               dir, options.env);
    if (!prog) return prog.error();
    gw.program_ = std::move(prog.value());
    static const std::regex ready(R"(sipmediagw: ready)");
    // Stop waiting as soon as it exits: a config error must fail fast, with its message.
    wait_until([&] { return gw.program_.log_contains(ready) || !gw.program_.running(); },
               ready_timeout);
    if (!gw.program_.log_contains(ready)) {
        return core::fail(std::string(gw.program_.running() ? "gateway not ready in time"
                                                            : "gateway exited at start") +
                          ":\n" + gw.program_.tail());
    }
    return gw;
}

std::string Gateway::uri(const std::string& user) const {
    return "sip:" + user + "@127.0.0.1:" + std::to_string(port_);
}

std::string Gateway::target() const {
    return "127.0.0.1:" + std::to_string(port_);
}

std::optional<int> Gateway::terminate(std::chrono::milliseconds grace) {
    if (!terminated_ && !program_.running()) {
        terminated_ = true;
        return program_.exit_code();  // it had already exited by itself
    }
    terminated_ = true;
    program_.signal(SIGTERM);
    if (!program_.wait_exit(grace)) {
        program_.stop(std::chrono::milliseconds(100));
        return std::nullopt;
    }
    return program_.exit_code();
}

}  // namespace testsupport
