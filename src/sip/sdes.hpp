// SDES key exchange for SRTP (RFC 4568 a=crypto): the suites we speak, the attribute's parser
// and writer, and strict base64 for the inline keys. Pure functions, unit-tested against
// hostile input: a crypto line we cannot use is skipped (with the reason), never the call.
#pragma once

#include "core/result.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sip {

enum class SrtpSuite {
    AesCm128HmacSha1_80,  // RFC 4568
    AesCm128HmacSha1_32,  // RFC 4568 (SRTCP keeps the 80-bit tag)
    Aes256CmHmacSha1_80,  // RFC 6188
    AeadAes128Gcm,        // RFC 7714
    AeadAes256Gcm,        // RFC 7714
};

// Our offer's order when dialling out: the suite every SDES endpoint has first, then stronger.
inline constexpr SrtpSuite kSrtpSuites[] = {
    SrtpSuite::AesCm128HmacSha1_80, SrtpSuite::Aes256CmHmacSha1_80, SrtpSuite::AeadAes128Gcm,
    SrtpSuite::AeadAes256Gcm, SrtpSuite::AesCm128HmacSha1_32};
inline constexpr size_t kSrtpMaxKeySize = 46;  // AES-256 key + 112-bit salt

std::string_view srtp_suite_name(SrtpSuite suite);
std::optional<SrtpSuite> srtp_suite_from_name(std::string_view name);
// Master key plus master salt, in bytes (30, 46, 28 or 44).
size_t srtp_key_size(SrtpSuite suite);

// One usable a=crypto line.
struct CryptoAttribute {
    uint32_t tag = 0;
    SrtpSuite suite = SrtpSuite::AesCm128HmacSha1_80;
    std::vector<uint8_t> key;  // master key || master salt, srtp_key_size(suite) bytes
    // RFC 4568 §6.1 MKI: the value the peer puts in each packet, on mki_length bytes (0: none).
    uint32_t mki = 0;
    uint8_t mki_length = 0;
    // RFC 4568 §6.1 key lifetime in SRTP packets; 0 when the line gives none (the suite's
    // maximum, 2^48, applies).
    uint64_t lifetime = 0;
};

// Shorter key lifetimes are refused: the peer would have to re-key by re-INVITE every few
// seconds (2^16 packets is about 20 minutes of 50 packet/s audio, 2 of 500 packet/s video).
inline constexpr uint64_t kSrtpMinLifetime = uint64_t{1} << 16;

// Parses the value of an a=crypto attribute ("1 AES_CM_128_HMAC_SHA1_80 inline:<b64>|2^31|1:4").
// An error says why the line is skipped: unknown suite, bad base64, wrong key length, several
// keys, a lifetime or MKI that does not parse, a lifetime under kSrtpMinLifetime, or a session
// parameter we do not implement.
core::Result<CryptoAttribute> parse_crypto(std::string_view value);
// "<tag> <suite> inline:<base64 key>" for our answer or offer.
std::string format_crypto(uint32_t tag, SrtpSuite suite, std::span<const uint8_t> key);

std::string base64_encode(std::span<const uint8_t> bytes);
// Strict: the standard alphabet only, padding optional but consistent, no whitespace.
std::optional<std::vector<uint8_t>> base64_decode(std::string_view text);

// Key material for one call: distinct random keys per stream and suite, drawn from the kernel's
// CSPRNG (getrandom), so our answer and every re-answer of the dialog send with the same key.
struct LocalSrtpKeys {
    std::vector<uint8_t> material;  // 3 streams x 5 suites x kSrtpMaxKeySize bytes
    [[nodiscard]] bool empty() const { return material.empty(); }
    // Our key for that stream (0 audio, 1 video, 2 content) and suite, srtp_key_size(suite) bytes.
    [[nodiscard]] std::span<const uint8_t> key(unsigned stream, SrtpSuite suite) const;
};
core::Result<LocalSrtpKeys> generate_srtp_keys();

}  // namespace sip
