#include "sip/tls_verifier.hpp"

#include "core/libre.hpp"
#include "core/log.hpp"
#include "core/text.hpp"

#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace sip {

namespace {

// The host the connection being opened on this thread is for (ExpectPeer).
thread_local const std::string* expected_host = nullptr;

void on_new_ssl(void* /*parent*/, void* /*ptr*/, CRYPTO_EX_DATA* ad, int idx, long /*argl*/,
                void* /*argp*/) {
    if (expected_host != nullptr)
        (void)CRYPTO_set_ex_data(ad, idx, OPENSSL_strdup(expected_host->c_str()));
}

void on_free_ssl(void* /*parent*/, void* ptr, CRYPTO_EX_DATA* /*ad*/, int /*idx*/, long /*argl*/,
                 void* /*argp*/) {
    OPENSSL_free(ptr);
}

// Process-wide: every SSL gets the slot, only ours are read.
int host_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, &on_new_ssl, nullptr, &on_free_ssl);
    return index;
}

// The TlsVerifier of a context (libre keeps its own data elsewhere).
int verifier_index() {
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

bool is_ip_literal(const char* host) {
    unsigned char buf[16];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

std::string subject_of(X509* cert) {
    if (cert == nullptr) return "none";
    char buf[256] = "";
    X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
    return core::log_field(buf);
}

int on_verify(int ok, X509_STORE_CTX* store) {
    auto* ssl =
        static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    const auto* host =
        ssl != nullptr ? static_cast<const char*>(SSL_get_ex_data(ssl, host_index())) : nullptr;
    if (host == nullptr) {
        spdlog::warn(
            "sip: TLS peer not verified: connection opened without a target host name "
            "(certificate subject=\"{}\"); nothing sent to it",
            subject_of(X509_STORE_CTX_get_current_cert(store)));
        return 0;
    }
    if (ok == 0) {
        const int err = X509_STORE_CTX_get_error(store);
        spdlog::warn(
            "sip: TLS peer {} not verified: {} (depth {}, certificate subject=\"{}\"); nothing "
            "sent to it",
            core::log_field(host), X509_verify_cert_error_string(err),
            X509_STORE_CTX_get_error_depth(store),
            subject_of(X509_STORE_CTX_get_current_cert(store)));
    }
    return ok;
}

void on_info(const SSL* const_ssl, int where, int /*ret*/) {
    if ((where & SSL_CB_HANDSHAKE_START) == 0 || SSL_is_server(const_ssl) != 0) return;
    // OpenSSL hands info callbacks a const SSL, but this is the one moment before the
    // ClientHello where SNI and the verification target can still be set.
    SSL* ssl = const_cast<SSL*>(const_ssl);  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    const auto* self = static_cast<const TlsVerifier*>(
        SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), verifier_index()));
    const auto* host = static_cast<const char*>(SSL_get_ex_data(ssl, host_index()));
    const bool ip = host != nullptr && is_ip_literal(host);
    // RFC 6066: SNI carries host names only, never an address.
    if (host != nullptr && !ip) (void)SSL_set_tlsext_host_name(ssl, host);
    if (self == nullptr) return;
    if (!self->verifying()) return;
    if (host != nullptr) {
        bool named = false;
        if (ip) {
            named = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1;
        } else {
            SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            named = SSL_set1_host(ssl, host) == 1;
        }
        // A chain check alone would accept any certificate from a known CA: fail closed.
        if (!named) {
            OPENSSL_free(SSL_get_ex_data(ssl, host_index()));
            (void)SSL_set_ex_data(ssl, host_index(), nullptr);
        }
    }
    SSL_set_verify(ssl, SSL_VERIFY_PEER, &on_verify);
}

}  // namespace

TlsVerifier::TlsVerifier(Key, struct tls* tls, bool verify) : tls_(tls), verify_(verify) {}

core::Result<std::unique_ptr<TlsVerifier>> TlsVerifier::attach(struct tls* tls, bool verify,
                                                               const std::string& ca_bundle) {
    SSL_CTX* ctx = tls_openssl_context(tls);
    if (ctx == nullptr) return core::fail("sip: TLS context without OpenSSL");
    if (verify && tls_add_ca(tls, ca_bundle.c_str()) != 0)
        return core::fail("sip: cannot load the CA bundle " + ca_bundle +
                          " for verifying SIP TLS peers");
    auto v = std::make_unique<TlsVerifier>(Key{}, tls, verify);
    // The ex_data constructor only runs for SSL objects made after the index exists.
    (void)host_index();
    if (SSL_CTX_set_ex_data(ctx, verifier_index(), v.get()) != 1)
        return core::fail("sip: cannot hook the TLS context");
    SSL_CTX_set_info_callback(ctx, &on_info);
    return v;
}

TlsVerifier::~TlsVerifier() {
    if (SSL_CTX* ctx = tls_openssl_context(tls_); ctx != nullptr)
        (void)SSL_CTX_set_ex_data(ctx, verifier_index(), nullptr);
}

TlsVerifier::ExpectPeer::ExpectPeer(std::string host)
    : host_(std::move(host)), previous_(expected_host) {
    if (!host_.empty()) expected_host = &host_;
}

TlsVerifier::ExpectPeer::~ExpectPeer() {
    expected_host = previous_;
}

}  // namespace sip
