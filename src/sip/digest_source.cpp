#include "sip/digest_source.hpp"

#include "core/log.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <cctype>
#include <new>

namespace sip {

core::ReHandle<DigestSource> make_digest_source(std::string realm,
                                                std::function<Credentials()> credentials) {
    void* mem = mem_zalloc(sizeof(DigestSource),
                           [](void* p) { static_cast<DigestSource*>(p)->~DigestSource(); });
    if (mem == nullptr) return nullptr;
    // NOLINTNEXTLINE(cppcoreguidelines-owning-memory): libre's refcounted memory owns it
    return core::ReHandle<DigestSource>(new (mem)
                                            DigestSource{std::move(realm), std::move(credentials)});
}

int digest_source_auth(char** username, char** password, const char* realm, void* arg) {
    const auto* source = static_cast<const DigestSource*>(arg);
    if (source == nullptr || !source->credentials) return EAUTH;
    const std::string_view challenge = realm != nullptr ? realm : "";
    if (!realm_matches(challenge, source->realm)) {
        spdlog::warn("sip: digest challenge refused realm=\"{}\" ours=\"{}\"",
                     core::log_field(challenge), source->realm);
        return EAUTH;
    }
    const Credentials c = source->credentials();
    int err = str_dup(username, c.username.c_str());
    err |= str_dup(password, c.password.c_str());
    return err;
}

std::string uri_host(std::string_view uri) {
    std::string_view s = uri.substr(uri.find(':') + 1);
    s = s.substr(0, s.find_first_of(";?>"));
    if (const auto at = s.rfind('@'); at != std::string_view::npos) s = s.substr(at + 1);
    if (!s.empty() && s.front() == '[') return std::string(s.substr(1, s.find(']') - 1));
    return std::string(s.substr(0, s.find(':')));
}

std::string registrar_realm(const core::RegistrarConfig& cfg) {
    if (!cfg.realm.empty()) return cfg.realm;
    if (!cfg.domain.empty()) return cfg.domain;
    return uri_host(cfg.server);
}

bool realm_matches(std::string_view challenge, std::string_view ours) {
    return !ours.empty() && challenge.size() == ours.size() &&
           std::equal(challenge.begin(), challenge.end(), ours.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) ==
                      std::tolower(static_cast<unsigned char>(b));
           });
}

bool credentials_for_target(std::string_view target_uri, const core::RegistrarConfig& cfg) {
    if (!cfg.enabled()) return false;
    const std::string host = uri_host(target_uri);
    return realm_matches(host, uri_host(cfg.server)) ||
           (!cfg.domain.empty() && realm_matches(host, cfg.domain));
}

}  // namespace sip
