#include "sip/digest_source.hpp"

#include <new>

namespace sip {

core::ReHandle<DigestSource> make_digest_source(std::function<Credentials()> credentials) {
    void* mem = mem_zalloc(sizeof(DigestSource),
                           [](void* p) { static_cast<DigestSource*>(p)->~DigestSource(); });
    if (mem == nullptr) return nullptr;
    return core::ReHandle<DigestSource>(new (mem) DigestSource{std::move(credentials)});
}

int digest_source_auth(char** username, char** password, const char* /*realm*/, void* arg) {
    const auto* source = static_cast<const DigestSource*>(arg);
    if (source == nullptr || !source->credentials) return EAUTH;
    const Credentials c = source->credentials();
    int err = str_dup(username, c.username.c_str());
    err |= str_dup(password, c.password.c_str());
    return err;
}

}  // namespace sip
