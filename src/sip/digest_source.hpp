// Digest credentials handed to libre. libre keeps a client request alive after its owner is
// gone (the un-REGISTER of a destroyed slot, the BYE of a destroyed call) and may then ask for
// credentials again, so the source is a libre-allocated, reference-counted object that captures
// values, never a pointer to its owner.
//
// Whom we answer: a 401/407 lets the challenger pick the nonce, so answering anyone would hand
// out a response to guess the password from offline, or one to relay to the registrar. Only a
// challenge in our realm is answered, and dial-out targets only get credentials when they are
// the registrar's own domain (see credentials_for_target).
#pragma once

#include "core/config.hpp"
#include "core/re_handle.hpp"
#include "sip/ephemeral_credentials.hpp"

#include <functional>
#include <string>
#include <string_view>

namespace sip {

struct DigestSource {
    std::string realm;  // the only realm answered
    std::function<Credentials()> credentials;
};

core::ReHandle<DigestSource> make_digest_source(std::string realm,
                                                std::function<Credentials()> credentials);

// The sip_auth_h to pass with a DigestSource as its argument (and aref = true). A challenge
// from another realm gets EAUTH (libre then ends the request with the 401/407).
int digest_source_auth(char** username, char** password, const char* realm, void* arg);

// Our realm: [registrar] realm, else its domain, else the registrar server's host.
std::string registrar_realm(const core::RegistrarConfig& cfg);

// Realms are compared without case: they are domain names in every deployment we know.
bool realm_matches(std::string_view challenge, std::string_view ours);

// Whether a dial-out target may be given the registrar's credentials: only when its host is the
// registrar's domain or the registrar server's host, where the challenge comes from our own
// proxy and not from whoever the API was asked to call.
bool credentials_for_target(std::string_view target_uri, const core::RegistrarConfig& cfg);

// "sip:user@host:port;params" → "host" (brackets of an IPv6 host removed).
std::string uri_host(std::string_view uri);

}  // namespace sip
