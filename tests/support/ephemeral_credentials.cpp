#include "support/ephemeral_credentials.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ctime>
#include <vector>

namespace testsupport {

EphemeralCredentials ephemeral_credentials(const std::string& secret, const std::string& name,
                                           long valid_seconds) {
    EphemeralCredentials c;
    c.user = std::to_string(std::time(nullptr) + valid_seconds) + ":" + name;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(c.user.data()), c.user.size(), mac, &mac_len);
    std::vector<unsigned char> b64(4 * ((mac_len + 2) / 3) + 1);
    const int n = EVP_EncodeBlock(b64.data(), mac, static_cast<int>(mac_len));
    c.password.assign(reinterpret_cast<const char*>(b64.data()), static_cast<std::size_t>(n));
    return c;
}

}  // namespace testsupport
