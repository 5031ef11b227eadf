#include "sip/registration.hpp"

#include "core/log.hpp"
#include "core/text.hpp"
#include "sip/digest_source.hpp"
#include "sip/ephemeral_credentials.hpp"
#include "sip/tls_target.hpp"
#include "sip/tls_verifier.hpp"
#include "sip/user_agent.hpp"

#include "core/libre.hpp"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <new>

namespace sip {

struct RegistrationLink {
    core::RegistrarConfig cfg;
    std::string user;
    RegistrationSlot* slot;

    static void on_response(int err, const struct sip_msg* msg, void* arg) {
        RegistrationSlot::on_response(err, msg, static_cast<RegistrationLink*>(arg)->slot);
    }
    static int on_auth(char** username, char** password, const char* realm, void* arg) {
        const auto* link = static_cast<const RegistrationLink*>(arg);
        // The registrar's address may be spoofed or rerouted: answer only our own realm.
        const std::string ours = registrar_realm(link->cfg);
        if (!realm_matches(realm != nullptr ? realm : "", ours)) {
            spdlog::warn(
                "sip: registration slot={} digest challenge refused realm=\"{}\" "
                "ours=\"{}\"",
                link->user, core::log_field(realm != nullptr ? realm : ""), ours);
            return EAUTH;
        }
        Credentials c{link->user, link->cfg.password};
        if (!link->cfg.secret.empty()) {
            // Valid for two registration periods, so a refresh never races the expiry.
            const uint64_t expiry =
                static_cast<uint64_t>(std::time(nullptr)) + 2ULL * link->cfg.expires;
            c = make_ephemeral_credentials(link->cfg.secret, link->user, expiry);
        }
        int err = str_dup(username, c.username.c_str());
        err |= str_dup(password, c.password.c_str());
        return err;
    }
};

std::string slot_user(const core::RegistrarConfig& cfg, uint32_t index) {
    std::string u = cfg.prefix.empty() ? "" : cfg.prefix + ".";
    return u + cfg.ua_name + "." + std::to_string(index);
}

std::string registrar_host(const std::string& server_uri) {
    std::string s = server_uri.substr(server_uri.find(':') + 1);
    s = s.substr(0, s.find(';'));
    if (const auto at = s.find('@'); at != std::string::npos) s = s.substr(at + 1);
    if (!s.empty() && s.front() == '[') return s.substr(1, s.find(']') - 1);
    return s.substr(0, s.find(':'));
}

RegistrationSlot::RegistrationSlot(UserAgent& ua, const core::RegistrarConfig& cfg,
                                   std::string user)
    : ua_(ua), cfg_(cfg), user_(std::move(user)) {
    const std::string domain = cfg_.domain.empty() ? registrar_host(cfg_.server) : cfg_.domain;
    aor_ = "sip:" + user_ + "@" + domain;
    void* mem = mem_zalloc(sizeof(RegistrationLink),
                           [](void* p) { static_cast<RegistrationLink*>(p)->~RegistrationLink(); });
    // Placement new into libre's refcounted memory: mem_deref runs the destructor, link_ owns it.
    // NOLINTNEXTLINE(cppcoreguidelines-owning-memory)
    if (mem != nullptr) link_.reset(new (mem) RegistrationLink{cfg_, user_, this});
    tls_ = tls_target_of(cfg_.server);
}

RegistrationSlot::~RegistrationSlot() {
    retry_.cancel();
    recheck_.cancel();
    lookup_.reset();
    if (link_) link_->slot = nullptr;
    if (reg_) spdlog::info("sip: registration slot={} state=unregistering", user_);
    // The un-REGISTER may need a new connection: it goes to the same registrar.
    const TlsVerifier::ExpectPeer expect(registrar_tls_host());
    reg_.reset();  // libre sends REGISTER with Expires: 0 when it was registered
}

std::string RegistrationSlot::registrar_tls_host() const {
    return tls_ ? tls_->host : std::string();
}

void RegistrationSlot::start() {
    retry_.cancel();
    recheck_.cancel();
    if (!tls_ || tls_->ip_literal) {
        register_via(std::nullopt);
        return;
    }
    // A name: every start resolves it again, so a registrar that moved or failed is found at
    // its current address.
    lookup_ =
        NextHopLookup::start(ua_.dns(), *tls_, [this](auto hops) { on_resolved(std::move(hops)); });
}

void RegistrationSlot::fail_and_retry(const std::string& detail) {
    set_state(RegistrationState::Failed, detail);
    if (!retry_.active()) retry_.start(uint64_t{kRetrySeconds} * 1000, [this] { start(); });
}

void RegistrationSlot::on_resolved(core::Result<std::vector<NextHop>> hops) {
    if (!hops) {
        // The old binding stays until it expires or a later start replaces it.
        fail_and_retry("error=\"" + core::log_field(hops.error().message) + "\"");
        return;
    }
    const NextHop& first = hops->front();
    if (!via_ || *via_ != first)
        spdlog::info("sip: registration slot={} registrar {} resolved to {}", user_, tls_->host,
                     first.text());
    register_via(first);
}

void RegistrationSlot::on_rechecked(core::Result<std::vector<NextHop>> hops) {
    const bool still_listed =
        !hops || !via_ || std::find(hops->begin(), hops->end(), *via_) != hops->end();
    if (still_listed) {
        // A failed look-up changes nothing: the registrar we reach is still verified.
        recheck_.start(uint64_t{kResolveSeconds} * 1000, [this] {
            lookup_ = NextHopLookup::start(ua_.dns(), *tls_,
                                           [this](auto h) { on_rechecked(std::move(h)); });
        });
        return;
    }
    spdlog::info("sip: registration slot={} registrar {} moved from {} to {}", user_, tls_->host,
                 via_->text(), hops->front().text());
    on_resolved(std::move(hops));
}

void RegistrationSlot::register_via(const std::optional<NextHop>& via) {
    // Connections opened from here on (the old binding's un-REGISTER, the new REGISTER) are for
    // the registrar; one libre re-opens later by itself is refused and we start over.
    const TlsVerifier::ExpectPeer expect(registrar_tls_host());
    if (reg_) spdlog::debug("sip: registration slot={} starting over", user_);
    reg_.reset();
    via_ = via;
    struct sipreg* reg = nullptr;
    const std::string server = sendable_uri(cfg_.server);
    // The request URI keeps the registrar's name; libre sends to the first Route, the address.
    const std::string route = via ? via->route() : std::string();
    const char* routev[] = {route.c_str()};
    const int err = sipreg_register(
        &reg, ua_.stack(), server.c_str(), aor_.c_str(), nullptr, aor_.c_str(), cfg_.expires,
        user_.c_str(), via ? routev : nullptr, via ? 1 : 0, 0, &RegistrationLink::on_auth,
        link_.get(), true, &RegistrationLink::on_response, link_.get(), nullptr, nullptr);
    if (err != 0) {
        fail_and_retry(std::string("cannot send: ") + std::strerror(err));
        return;
    }
    reg_.reset(reg);
    if (via)
        recheck_.start(uint64_t{kResolveSeconds} * 1000, [this] {
            lookup_ = NextHopLookup::start(ua_.dns(), *tls_,
                                           [this](auto h) { on_rechecked(std::move(h)); });
        });
    // A registrar restarted without persistent bindings (Kamailio db_mode=0) only learns ours
    // again at our next refresh, so refresh about every kRefreshSeconds instead of at 90 % of
    // a possibly long expiry. libre takes the refresh point as a percentage (5-95) of it.
    const uint32_t percent = std::clamp<uint32_t>(100 * kRefreshSeconds / cfg_.expires, 5, 90);
    (void)sipreg_set_rwait(reg, percent);
}

void RegistrationSlot::set_state(RegistrationState s, const std::string& detail) {
    if (s == state_ && !first_) return;
    first_ = false;
    state_ = s;
    const char* name = s == RegistrationState::Registered ? "registered"
                       : s == RegistrationState::Failed   ? "failed"
                                                          : "registering";
    if (s == RegistrationState::Failed) {
        spdlog::warn("sip: registration slot={} state={} {}", user_, name, detail);
    } else {
        spdlog::info("sip: registration slot={} state={} {}", user_, name, detail);
    }
}

void RegistrationSlot::on_response(int err, const struct sip_msg* msg, void* arg) {
    auto* self = static_cast<RegistrationSlot*>(arg);
    if (self == nullptr) return;  // the un-REGISTER of a slot that is gone
    if (err == 0 && msg != nullptr && msg->scode >= 200 && msg->scode < 300) {
        self->set_state(RegistrationState::Registered,
                        "registrar=" + self->cfg_.server +
                            " expires=" + std::to_string(sipreg_proxy_expires(self->reg_.get())));
        return;
    }
    if (err == 0 && msg != nullptr && msg->scode < 200) return;
    std::string detail =
        err != 0 ? std::string("error=\"") + std::strerror(err) + "\""
                 : "status=" + std::to_string(msg->scode) + " reason=\"" +
                       core::log_field(std::string_view(msg->reason.p, msg->reason.l)) + "\"";
    self->set_state(RegistrationState::Failed, detail);
    // libre backs off for minutes after failures; we retry at a steady short pace instead.
    if (!self->retry_.active())
        self->retry_.start(uint64_t{kRetrySeconds} * 1000, [self] { self->start(); });
}

}  // namespace sip
