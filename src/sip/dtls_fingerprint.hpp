// DTLS-SRTP's SDP attributes (RFC 8122 a=fingerprint, RFC 4145/5763 a=setup): parsers and
// writers, pure functions unit-tested against hostile input. The fingerprint binds the DTLS
// handshake to the signalling: media/ checks the peer's certificate against it.
#pragma once

#include "core/result.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sip {

// The hash functions of RFC 8122 §5 that we check; md5 and md2 are refused (RFC 8122 §5:
// "SHOULD NOT"; a collision would let a forged certificate pass), sha-224 is left out as no
// endpoint we know uses it.
enum class FingerprintHash { Sha1, Sha256, Sha384, Sha512 };

struct DtlsFingerprint {
    FingerprintHash hash = FingerprintHash::Sha256;
    std::vector<uint8_t> digest;  // the hash of the certificate's DER encoding
    bool operator==(const DtlsFingerprint&) const = default;
};

std::string_view fingerprint_hash_name(FingerprintHash hash);  // "sha-256"
size_t fingerprint_digest_size(FingerprintHash hash);          // 20, 32, 48, 64

// "sha-256 AB:CD:..." (hash name case-insensitive, hex digits either case, RFC 8122 §5).
core::Result<DtlsFingerprint> parse_fingerprint(std::string_view value);
// "sha-256 AB:CD:..." with upper-case hex, as RFC 8122's grammar shows it.
std::string format_fingerprint(const DtlsFingerprint& fingerprint);

// a=setup (RFC 4145 §4): who starts the DTLS handshake.
enum class DtlsSetup { Active, Passive, ActPass, HoldConn };
std::optional<DtlsSetup> parse_setup(std::string_view value);
std::string_view setup_name(DtlsSetup setup);

// Our role when answering an offer's a=setup (RFC 5763 §5: the answerer of actpass SHOULD be
// active, so the handshake starts at once without waiting for the offerer's first packet);
// nullopt for holdconn, which asks for no connection.
std::optional<DtlsSetup> answer_setup(DtlsSetup offered);
// Our role once the peer answered our offer's a=setup: the complement of its answer (RFC 4145
// §4); nullopt for actpass or holdconn, which are no answer to an offer of ours.
std::optional<DtlsSetup> role_from_answer(DtlsSetup answered);

}  // namespace sip
