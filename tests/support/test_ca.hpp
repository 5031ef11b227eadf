// A certificate authority made for one test with openssl(1), and certificates it issues for
// the TLS peers the test runs (Kamailio, the gateway, an s_server), so that a test can trust
// exactly that CA, or not.
#pragma once

#include "core/result.hpp"

#include <filesystem>
#include <string>

namespace testsupport {

struct IssuedCertificate {
    std::filesystem::path certificate;  // PEM certificate
    std::filesystem::path key;          // PEM private key
    std::filesystem::path combined;     // certificate then key (sip.tls_certificate's format)
};

class TestCa {
public:
    // <dir>/<name>.pem and .key, a self-signed CA valid one day.
    static core::Result<TestCa> create(const std::filesystem::path& dir,
                                       const std::string& name = "ca");

    // A leaf certificate "<dir>/<name>.pem" with subjectAltName `san` (e.g.
    // "IP:127.0.0.1,DNS:localhost").
    [[nodiscard]] core::Result<IssuedCertificate> issue(const std::string& name,
                                                        const std::string& san) const;

    [[nodiscard]] const std::filesystem::path& certificate() const noexcept { return cert_; }

private:
    std::filesystem::path dir_;
    std::filesystem::path cert_;
    std::filesystem::path key_;
};

}  // namespace testsupport
