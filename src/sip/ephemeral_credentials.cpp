#include "sip/ephemeral_credentials.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

namespace sip {

Credentials make_ephemeral_credentials(const std::string& secret, const std::string& user,
                                       uint64_t expiry_unix) {
    Credentials c;
    c.username = std::to_string(expiry_unix) + ":" + user;
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int mac_len = 0;
    HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(c.username.data()), c.username.size(), mac.data(),
         &mac_len);
    std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> b64{};
    const int n = EVP_EncodeBlock(b64.data(), mac.data(), static_cast<int>(mac_len));
    c.password.assign(reinterpret_cast<const char*>(b64.data()), static_cast<size_t>(n));
    return c;
}

}  // namespace sip
