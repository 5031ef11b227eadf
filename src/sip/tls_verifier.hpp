// Verification of the servers the gateway reaches over SIP TLS (the registrar, dial-out
// targets), on the one TLS context libre 1.1.0 shares between our TLS listener and the
// connections it opens.
//
// libre 1.1.0 opens a connection deep inside a request, never passes it the host name it was
// for, and has no per-connection verify hook. What it does guarantee: for a request to an IP
// address, SSL_new() runs synchronously inside the call that sends it (sipreg_register,
// sipsess_connect). A target named by a host name is resolved by us first (sip/next_hop.hpp)
// and the request routed to the address, so this holds for names too. So:
//  - an ExpectPeer scope around that call names the peer (the host of the URI, a name or an
//    address); an OpenSSL ex_data constructor, which SSL_new runs, stores it on the connection
//    being made;
//  - an info callback on the context, at handshake start (before the ClientHello is written),
//    turns verification on for client connections: the chain against the CA bundle, the name
//    (or IP) against the certificate's subjectAltName, SNI for names;
//  - a client connection with no name stored (one libre opened on its own, e.g. a registration
//    refresh after the connection dropped) is refused: fail closed; the owner starts over.
// A failed check aborts the handshake, and libre writes queued requests only once the handshake
// is complete, so nothing is sent to a peer that failed.
#pragma once

#include "core/result.hpp"

#include <memory>
#include <string>

struct tls;

namespace sip {

class TlsVerifier {
public:
    // Hooks `tls` (kept alive by the caller for the verifier's lifetime). verify = false:
    // peers are not checked (SNI is still sent).
    static core::Result<std::unique_ptr<TlsVerifier>> attach(struct tls* tls, bool verify,
                                                             const std::string& ca_bundle);
    ~TlsVerifier();
    TlsVerifier(const TlsVerifier&) = delete;
    TlsVerifier& operator=(const TlsVerifier&) = delete;

    [[nodiscard]] bool verifying() const { return verify_; }

    // While alive, a TLS connection opened on this thread is expected to reach `host` (a name or
    // an IP literal, as written in the target URI). An empty host changes nothing (the request
    // does not go over TLS).
    class ExpectPeer {
    public:
        explicit ExpectPeer(std::string host);
        ~ExpectPeer();
        ExpectPeer(const ExpectPeer&) = delete;
        ExpectPeer& operator=(const ExpectPeer&) = delete;

    private:
        std::string host_;
        const std::string* previous_;
    };

    struct Key {
        explicit Key() = default;
    };
    TlsVerifier(Key, struct tls* tls, bool verify);

private:
    struct tls* tls_;
    bool verify_;
};

}  // namespace sip
