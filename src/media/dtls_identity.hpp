// The gateway's DTLS certificate (RFC 5763 §5: self-signed is fine, the SDP fingerprint is what
// the peer checks) and the certificate fingerprints both sides are judged by. One identity per
// process: made at start (ECDSA P-256, the key every WebRTC stack and baresip accept), shared by
// every call's dtlssrtpdec.
#pragma once

#include "core/result.hpp"
#include "sip/dtls_fingerprint.hpp"

#include <string>
#include <string_view>

namespace media {

struct DtlsIdentity {
    std::string pem;          // certificate then private key, as dtlssrtpdec's "pem" takes them
    std::string fingerprint;  // our a=fingerprint value: "sha-256 AB:CD:..."
};

// A fresh self-signed ECDSA P-256 certificate, valid from a day ago (peers with a slow clock)
// for a year.
core::Result<DtlsIdentity> make_dtls_identity();

// The fingerprint of the first certificate in `pem` with `hash`; an error when the text holds
// no certificate.
core::Result<sip::DtlsFingerprint> certificate_fingerprint(std::string_view pem,
                                                           sip::FingerprintHash hash);

}  // namespace media
