#include "media/dtls_identity.hpp"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <memory>

namespace media {

namespace {

template <auto Free>
struct OpenSslFree {
    template <class T>
    void operator()(T* p) const {
        Free(p);
    }
};
using BioPtr = std::unique_ptr<BIO, OpenSslFree<&BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, OpenSslFree<&X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslFree<&EVP_PKEY_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslFree<&BN_free>>;

core::Error openssl_error(const std::string& what) {
    const unsigned long e = ERR_get_error();
    char buf[256] = "unknown error";
    if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return core::fail("dtls: " + what + ": " + buf);
}

const EVP_MD* digest_of(sip::FingerprintHash hash) {
    switch (hash) {
        case sip::FingerprintHash::Sha1:
            return EVP_sha1();
        case sip::FingerprintHash::Sha384:
            return EVP_sha384();
        case sip::FingerprintHash::Sha512:
            return EVP_sha512();
        default:
            return EVP_sha256();
    }
}

core::Result<sip::DtlsFingerprint> fingerprint_of(X509* cert, sip::FingerprintHash hash) {
    sip::DtlsFingerprint f;
    f.hash = hash;
    f.digest.resize(EVP_MAX_MD_SIZE);
    unsigned int size = 0;
    if (X509_digest(cert, digest_of(hash), f.digest.data(), &size) != 1)
        return openssl_error("certificate digest");
    f.digest.resize(size);
    return f;
}

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

}  // namespace

core::Result<DtlsIdentity> make_dtls_identity() {
    PkeyPtr key(EVP_EC_gen("P-256"));
    if (!key) return openssl_error("P-256 key");
    X509Ptr cert(X509_new());
    if (!cert) return openssl_error("certificate");
    X509_set_version(cert.get(), 2);
    // A random positive serial: two gateways' certificates never look alike to a peer's cache.
    BignumPtr serial(BN_new());
    if (!serial || BN_rand(serial.get(), 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
        BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr)
        return openssl_error("serial number");
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -24L * 3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("sipmediagw"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    if (X509_set_pubkey(cert.get(), key.get()) != 1 ||
        X509_sign(cert.get(), key.get(), EVP_sha256()) == 0)
        return openssl_error("self-signing");
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert.get()) != 1 ||
        PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return openssl_error("PEM encoding");
    DtlsIdentity id;
    id.pem = bio_text(bio.get());
    auto f = fingerprint_of(cert.get(), sip::FingerprintHash::Sha256);
    if (!f) return f.error();
    id.fingerprint = sip::format_fingerprint(*f);
    return id;
}

core::Result<sip::DtlsFingerprint> certificate_fingerprint(std::string_view pem,
                                                           sip::FingerprintHash hash) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) return openssl_error("reading a certificate");
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) return openssl_error("reading a certificate");
    return fingerprint_of(cert.get(), hash);
}

}  // namespace media
