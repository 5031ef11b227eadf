// Kamailio from deploy/kamailio/kamailio.cfg on 127.0.0.1:<free port> (UDP and TCP), registrar
// without database, ephemeral-credential auth with a shared secret, room calls routed to
// registered gateway slots. Controlled through its ctl socket with kamcmd.
#pragma once

#include "core/result.hpp"
#include "support/program.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace testsupport {

struct KamailioOptions {
    std::string secret = "integration-test-secret";
    // With a server certificate: a TLS listener too (-A SMGW_WITH_TLS), profiles from
    // deploy/kamailio/tls.cfg with these files in place of its /etc/kamailio ones.
    std::filesystem::path tls_certificate;
    std::filesystem::path tls_key;
    std::filesystem::path tls_ca;  // what gateway certificates must chain to
};

class Kamailio {
public:
    // Starts it and waits until its control socket answers.
    static core::Result<Kamailio> start(const std::filesystem::path& dir,
                                        KamailioOptions options = {});

    [[nodiscard]] uint16_t port() const noexcept { return port_; }
    [[nodiscard]] const std::string& secret() const noexcept { return options_.secret; }
    // "sip:127.0.0.1:<port>"
    [[nodiscard]] std::string uri() const;
    [[nodiscard]] uint16_t tls_port() const noexcept { return tls_port_; }  // 0: no TLS
    // "sip:127.0.0.1:<tls port>;transport=tls"
    [[nodiscard]] std::string tls_uri() const;
    [[nodiscard]] Program& program() noexcept { return program_; }

    // Same port, same config; registrations are lost (memory only), as on a real restart.
    core::Status stop();
    core::Status restart();

    core::Result<std::string> kamcmd(const std::vector<std::string>& args) const;
    // AoR user parts currently registered (from ul.dump).
    core::Result<std::vector<std::string>> registered_aors() const;
    // Contacts of one AoR, empty when it has none.
    std::vector<std::string> contacts_of(const std::string& aor) const;

private:
    core::Status launch();

    std::filesystem::path dir_;
    KamailioOptions options_;
    uint16_t port_ = 0;
    uint16_t tls_port_ = 0;
    int generation_ = 0;
    Program program_;
};

// deploy/kamailio/kamailio.cfg in the source tree.
std::filesystem::path kamailio_config_path();
// deploy/kamailio/tls.cfg in the source tree.
std::filesystem::path kamailio_tls_config_path();

}  // namespace testsupport
