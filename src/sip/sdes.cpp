#include "sip/sdes.hpp"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace sip {

namespace {

struct SuiteInfo {
    SrtpSuite suite;
    std::string_view name;
    size_t key_size;
};

constexpr std::array<SuiteInfo, 5> kSuites{{
    {SrtpSuite::AesCm128HmacSha1_80, "AES_CM_128_HMAC_SHA1_80", 30},
    {SrtpSuite::AesCm128HmacSha1_32, "AES_CM_128_HMAC_SHA1_32", 30},
    {SrtpSuite::Aes256CmHmacSha1_80, "AES_256_CM_HMAC_SHA1_80", 46},
    {SrtpSuite::AeadAes128Gcm, "AEAD_AES_128_GCM", 28},
    {SrtpSuite::AeadAes256Gcm, "AEAD_AES_256_GCM", 44},
}};

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c) {
    const auto p = kAlphabet.find(c);
    return p == std::string_view::npos ? -1 : static_cast<int>(p);
}

std::optional<uint64_t> to_u64(std::string_view s) {
    uint64_t v = 0;
    if (s.empty() || s.size() > 20) return std::nullopt;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (true) {
        const size_t j = s.find(sep, i);
        out.push_back(s.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
        if (j == std::string_view::npos) break;
        i = j + 1;
    }
    return out;
}

// RFC 4568 §6.1 lifetime: decimal or "2^N", at most libsrtp's own limit of 2^48 packets.
std::optional<uint64_t> parse_lifetime(std::string_view s) {
    if (s.starts_with("2^")) {
        auto n = to_u64(s.substr(2));
        if (!n || *n < 1 || *n > 48) return std::nullopt;
        return uint64_t{1} << *n;
    }
    auto v = to_u64(s);
    if (!v || *v < 1 || *v > (uint64_t{1} << 48)) return std::nullopt;
    return v;
}

}  // namespace

std::string_view srtp_suite_name(SrtpSuite suite) {
    for (const auto& s : kSuites)
        if (s.suite == suite) return s.name;
    return "?";
}

std::optional<SrtpSuite> srtp_suite_from_name(std::string_view name) {
    for (const auto& s : kSuites)
        if (s.name == name) return s.suite;
    return std::nullopt;
}

size_t srtp_key_size(SrtpSuite suite) {
    for (const auto& s : kSuites)
        if (s.suite == suite) return s.key_size;
    return 0;
}

std::string base64_encode(std::span<const uint8_t> bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const uint32_t v =
            (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
        for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 0x3f];
    }
    if (const size_t rest = bytes.size() - i; rest > 0) {
        uint32_t v = uint32_t{bytes[i]} << 16;
        if (rest == 2) v |= uint32_t{bytes[i + 1]} << 8;
        out += kAlphabet[(v >> 18) & 0x3f];
        out += kAlphabet[(v >> 12) & 0x3f];
        out += rest == 2 ? kAlphabet[(v >> 6) & 0x3f] : '=';
        out += '=';
    }
    return out;
}

std::optional<std::vector<uint8_t>> base64_decode(std::string_view text) {
    size_t pad = 0;
    while (!text.empty() && text.back() == '=' && pad < 2) {
        text.remove_suffix(1);
        ++pad;
    }
    // Padding, when present, must complete the last quantum; a single leftover sextet encodes
    // no whole byte.
    if (text.size() % 4 == 1) return std::nullopt;
    if (pad != 0 && (text.size() + pad) % 4 != 0) return std::nullopt;
    std::vector<uint8_t> out;
    out.reserve(text.size() * 3 / 4);
    uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        const int v = base64_value(c);
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<uint8_t>((acc >> bits) & 0xff));
        }
    }
    // Bits left over must be zero, or two texts would decode to the same key.
    if (bits > 0 && (acc & ((1U << bits) - 1)) != 0) return std::nullopt;
    return out;
}

core::Result<CryptoAttribute> parse_crypto(std::string_view value) {
    std::vector<std::string_view> words;
    for (auto w : split(value, ' '))
        if (!w.empty()) words.push_back(w);
    if (words.size() < 3) return core::fail("a=crypto needs a tag, a suite and key parameters");
    CryptoAttribute c;
    auto tag = to_u64(words[0]);
    if (!tag || words[0].size() > 9) return core::fail("a=crypto tag is not 1-9 digits");
    c.tag = static_cast<uint32_t>(*tag);
    auto suite = srtp_suite_from_name(words[1]);
    if (!suite)
        return core::fail("a=crypto suite " + std::string(words[1].substr(0, 64)) +
                          " is not supported");
    c.suite = *suite;
    for (size_t i = 3; i < words.size(); ++i) {
        // WSH (window size hint) is advice to the receiver; every other session parameter
        // changes what the packets are (unencrypted, KDR, FEC), which we do not implement.
        if (words[i].starts_with("WSH=") && to_u64(words[i].substr(4))) continue;
        return core::fail("a=crypto session parameter " + std::string(words[i].substr(0, 64)) +
                          " is not supported");
    }
    const auto keys = split(words[2], ';');
    if (keys.size() != 1) return core::fail("a=crypto with several keys is not supported");
    std::string_view key_params = keys[0];
    if (!key_params.starts_with("inline:")) return core::fail("a=crypto key method is not inline");
    const auto parts = split(key_params.substr(7), '|');
    if (parts.size() > 3) return core::fail("a=crypto key has too many '|' fields");
    auto key = base64_decode(parts[0]);
    if (!key) return core::fail("a=crypto key is not valid base64");
    if (key->size() != srtp_key_size(c.suite))
        return core::fail("a=crypto key is " + std::to_string(key->size()) + " bytes, " +
                          std::string(srtp_suite_name(c.suite)) + " needs " +
                          std::to_string(srtp_key_size(c.suite)));
    c.key = std::move(*key);
    for (size_t i = 1; i < parts.size(); ++i) {
        const auto colon = parts[i].find(':');
        if (colon == std::string_view::npos) {
            // The lifetime comes before the MKI (RFC 4568 §9.2).
            const auto lifetime = i == 1 ? parse_lifetime(parts[i]) : std::nullopt;
            if (!lifetime) return core::fail("a=crypto key lifetime is not valid");
            if (*lifetime < kSrtpMinLifetime)
                return core::fail("a=crypto key lifetime " + std::string(parts[i]) +
                                  " is under 2^16 packets");
            c.lifetime = *lifetime;
            continue;
        }
        if (c.mki_length != 0) return core::fail("a=crypto key has two MKI fields");
        auto mki = to_u64(parts[i].substr(0, colon));
        auto len = to_u64(parts[i].substr(colon + 1));
        // libsrtp takes up to 128 bytes; a value that fits 4 bytes is all RFC 4568's grammar
        // (1*3DIGIT length, decimal value) is used for in practice.
        if (!mki || !len || *len < 1 || *len > 4 ||
            (*len < 4 && *mki >= (uint64_t{1} << (8 * *len))) || *mki > 0xffffffffULL)
            return core::fail("a=crypto MKI is not valid");
        c.mki = static_cast<uint32_t>(*mki);
        c.mki_length = static_cast<uint8_t>(*len);
    }
    return c;
}

std::string format_crypto(uint32_t tag, SrtpSuite suite, std::span<const uint8_t> key) {
    return std::to_string(tag) + " " + std::string(srtp_suite_name(suite)) +
           " inline:" + base64_encode(key);
}

std::span<const uint8_t> LocalSrtpKeys::key(unsigned stream, SrtpSuite suite) const {
    const size_t index = static_cast<size_t>(stream) * kSuites.size() + static_cast<size_t>(suite);
    if (material.size() < (index + 1) * kSrtpMaxKeySize) return {};
    return std::span<const uint8_t>(material).subspan(index * kSrtpMaxKeySize,
                                                      srtp_key_size(suite));
}

core::Result<LocalSrtpKeys> generate_srtp_keys() {
    LocalSrtpKeys keys;
    keys.material.resize(3 * kSuites.size() * kSrtpMaxKeySize);
    size_t filled = 0;
    while (filled < keys.material.size()) {
        const ssize_t n =
            getrandom(keys.material.data() + filled, keys.material.size() - filled, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return core::fail(std::string("getrandom: ") + std::strerror(errno));
        }
        filled += static_cast<size_t>(n);
    }
    return keys;
}

}  // namespace sip
