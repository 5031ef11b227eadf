#include "core/tls_trust.hpp"

#include <cstdlib>

namespace core {

namespace {

TlsTrust& current() {
    static TlsTrust trust;
    return trust;
}

}  // namespace

void set_tls_trust(TlsTrust trust) {
    current() = std::move(trust);
}

const TlsTrust& tls_trust() {
    return current();
}

std::string tls_ca_bundle(const TlsTrust& trust) {
    if (!trust.ca_file.empty()) return trust.ca_file;
    // OpenSSL's own override, honoured so that a container can point at another store.
    if (const char* env = std::getenv("SSL_CERT_FILE"); env != nullptr && *env != '\0') return env;
    return "/etc/ssl/certs/ca-certificates.crt";  // Debian's ca-certificates bundle
}

}  // namespace core
