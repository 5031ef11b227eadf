// Whom outgoing TLS connections trust: the system CA store (Debian's bundle, or $SSL_CERT_FILE)
// or a CA file from the config ([sip] tls_ca_file), with an explicit opt-out ([sip] tls_verify =
// false, warned about at start). Set once at start-up, before any connection is made, and read
// by every TLS client (core::HttpFetch: conference mapper, service look-ups).
#pragma once

#include <string>

namespace core {

struct TlsTrust {
    std::string ca_file;  // empty: the system store
    bool verify = true;
};

void set_tls_trust(TlsTrust trust);
const TlsTrust& tls_trust();

// The PEM bundle to load for `trust`: its ca_file, else the system store.
std::string tls_ca_bundle(const TlsTrust& trust);

}  // namespace core
