// Kamailio auth_ephemeral / coturn REST credentials, computed independently of the gateway's
// code so that tests cross-check it: user "<unix expiry>:<name>",
// password base64(HMAC-SHA1(secret, user)).
#pragma once

#include <string>

namespace testsupport {

struct EphemeralCredentials {
    std::string user;
    std::string password;
};

EphemeralCredentials ephemeral_credentials(const std::string& secret, const std::string& name,
                                           long valid_seconds = 3600);

}  // namespace testsupport
