#include "sip/dtls_fingerprint.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace sip {

namespace {

struct HashInfo {
    FingerprintHash hash;
    std::string_view name;
    size_t size;
};

constexpr std::array<HashInfo, 4> kHashes{{
    {FingerprintHash::Sha1, "sha-1", 20},
    {FingerprintHash::Sha256, "sha-256", 32},
    {FingerprintHash::Sha384, "sha-384", 48},
    {FingerprintHash::Sha512, "sha-512", 64},
}};

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::string_view fingerprint_hash_name(FingerprintHash hash) {
    for (const auto& h : kHashes)
        if (h.hash == hash) return h.name;
    return "?";
}

size_t fingerprint_digest_size(FingerprintHash hash) {
    for (const auto& h : kHashes)
        if (h.hash == hash) return h.size;
    return 0;
}

core::Result<DtlsFingerprint> parse_fingerprint(std::string_view value) {
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    const auto sp = value.find(' ');
    if (sp == std::string_view::npos) return core::fail("a=fingerprint needs a hash and a value");
    const std::string name = lower(value.substr(0, sp));
    std::string_view hex = value.substr(sp + 1);
    while (!hex.empty() && hex.front() == ' ') hex.remove_prefix(1);
    const HashInfo* info = nullptr;
    for (const auto& h : kHashes)
        if (h.name == name) info = &h;
    if (info == nullptr)
        return core::fail("a=fingerprint hash " + name.substr(0, 16) + " is not supported");
    // Exactly "XX:XX:...": 3 characters a byte but the last.
    if (hex.size() != info->size * 3 - 1)
        return core::fail("a=fingerprint " + std::string(info->name) + " value is not " +
                          std::to_string(info->size) + " colon-separated bytes");
    DtlsFingerprint f;
    f.hash = info->hash;
    f.digest.reserve(info->size);
    for (size_t i = 0; i < info->size; ++i) {
        const int hi = hex_value(hex[i * 3]);
        const int lo = hex_value(hex[i * 3 + 1]);
        if (hi < 0 || lo < 0 || (i + 1 < info->size && hex[i * 3 + 2] != ':'))
            return core::fail("a=fingerprint value is not hex bytes separated by ':'");
        f.digest.push_back(static_cast<uint8_t>(hi * 16 + lo));
    }
    return f;
}

std::string format_fingerprint(const DtlsFingerprint& fingerprint) {
    static constexpr std::string_view kHex = "0123456789ABCDEF";
    std::string out(fingerprint_hash_name(fingerprint.hash));
    out += ' ';
    for (size_t i = 0; i < fingerprint.digest.size(); ++i) {
        if (i != 0) out += ':';
        out += kHex[fingerprint.digest[i] >> 4];
        out += kHex[fingerprint.digest[i] & 0xf];
    }
    return out;
}

std::optional<DtlsSetup> parse_setup(std::string_view value) {
    const std::string v = lower(value);
    if (v == "active") return DtlsSetup::Active;
    if (v == "passive") return DtlsSetup::Passive;
    if (v == "actpass") return DtlsSetup::ActPass;
    if (v == "holdconn") return DtlsSetup::HoldConn;
    return std::nullopt;
}

std::string_view setup_name(DtlsSetup setup) {
    switch (setup) {
        case DtlsSetup::Active:
            return "active";
        case DtlsSetup::Passive:
            return "passive";
        case DtlsSetup::ActPass:
            return "actpass";
        default:
            return "holdconn";
    }
}

std::optional<DtlsSetup> answer_setup(DtlsSetup offered) {
    switch (offered) {
        case DtlsSetup::ActPass:
        case DtlsSetup::Passive:
            return DtlsSetup::Active;
        case DtlsSetup::Active:
            return DtlsSetup::Passive;
        default:
            return std::nullopt;
    }
}

std::optional<DtlsSetup> role_from_answer(DtlsSetup answered) {
    switch (answered) {
        case DtlsSetup::Active:
            return DtlsSetup::Passive;
        case DtlsSetup::Passive:
            return DtlsSetup::Active;
        default:
            return std::nullopt;
    }
}

}  // namespace sip
