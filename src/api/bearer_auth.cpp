#include "api/bearer_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>
#include <cctype>

namespace api {

bool constant_time_equal(std::string_view a, std::string_view b) {
    // Compare fixed-size digests so that the length of the token does not leak either.
    std::array<unsigned char, SHA256_DIGEST_LENGTH> da{};
    std::array<unsigned char, SHA256_DIGEST_LENGTH> db{};
    SHA256(reinterpret_cast<const unsigned char*>(a.data()), a.size(), da.data());
    SHA256(reinterpret_cast<const unsigned char*>(b.data()), b.size(), db.data());
    return CRYPTO_memcmp(da.data(), db.data(), da.size()) == 0;
}

AuthResult check_bearer(std::string_view configured_token,
                        const std::optional<std::string>& authorization_header) {
    if (configured_token.empty()) return AuthResult::Ok;
    if (!authorization_header) return AuthResult::Missing;
    std::string_view h = *authorization_header;
    constexpr std::string_view scheme = "bearer ";
    if (h.size() <= scheme.size()) return AuthResult::Malformed;
    for (size_t i = 0; i < scheme.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(h[i])) != scheme[i])
            return AuthResult::Malformed;
    }
    std::string_view token = h.substr(scheme.size());
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\r')) token.remove_suffix(1);
    if (token.empty()) return AuthResult::Malformed;
    return constant_time_equal(token, configured_token) ? AuthResult::Ok : AuthResult::Wrong;
}

}  // namespace api
