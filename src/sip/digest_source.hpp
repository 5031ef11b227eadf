// Digest credentials handed to libre. libre keeps a client request alive after its owner is
// gone (the un-REGISTER of a destroyed slot, the BYE of a destroyed call) and may then ask for
// credentials again, so the source is a libre-allocated, reference-counted object that captures
// values, never a pointer to its owner.
#pragma once

#include "core/re_handle.hpp"
#include "sip/ephemeral_credentials.hpp"

#include <functional>

namespace sip {

struct DigestSource {
    std::function<Credentials()> credentials;
};

core::ReHandle<DigestSource> make_digest_source(std::function<Credentials()> credentials);

// The sip_auth_h to pass with a DigestSource as its argument (and aref = true).
int digest_source_auth(char** username, char** password, const char* realm, void* arg);

}  // namespace sip
