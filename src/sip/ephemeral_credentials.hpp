// Time-limited digest credentials derived from a shared secret, the scheme of Kamailio's
// auth_ephemeral module and coturn's use-auth-secret ("TURN REST"): username
// "<unix expiry>:<user>", password base64(HMAC-SHA1(secret, username)).
#pragma once

#include <cstdint>
#include <string>

namespace sip {

struct Credentials {
    std::string username;
    std::string password;
};

Credentials make_ephemeral_credentials(const std::string& secret, const std::string& user,
                                       uint64_t expiry_unix);

}  // namespace sip
