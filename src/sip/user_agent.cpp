#include "sip/user_agent.hpp"

#include "core/log.hpp"
#include "core/tls_trust.hpp"
#include "sip/call.hpp"

#include "core/libre.hpp"

#include <algorithm>
#include <cstring>

namespace sip {

namespace {

std::string pl_str(const struct pl& p) {
    return p.p != nullptr ? std::string(p.p, p.l) : "";
}

enum sip_transp transport_of(const std::string& name) {
    if (name == "tcp") return SIP_TRANSP_TCP;
    if (name == "tls") return SIP_TRANSP_TLS;
    return SIP_TRANSP_UDP;
}

}  // namespace

std::string header_value(const struct sip_msg& msg, const char* name, const char* compact) {
    const struct sip_hdr* h = sip_msg_xhdr(&msg, name);
    if (h == nullptr && compact != nullptr) h = sip_msg_xhdr(&msg, compact);
    return h != nullptr ? pl_str(h->val) : std::string();
}

std::string body_of(const struct sip_msg& msg) {
    if (msg.mb == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(mbuf_buf(msg.mb)), mbuf_get_left(msg.mb));
}

std::string content_type_of(const struct sip_msg& msg) {
    if (!pl_isset(&msg.ctyp.type)) return {};
    return pl_str(msg.ctyp.type) + "/" + pl_str(msg.ctyp.subtype);
}

bool has_option_tag(const struct sip_msg& msg, const char* tag) {
    return sip_msg_hdr_has_value(&msg, SIP_HDR_SUPPORTED, tag) ||
           sip_msg_hdr_has_value(&msg, SIP_HDR_REQUIRE, tag);
}

UserAgent::UserAgent(Key, const core::SipConfig& config) : config_(config) {}

UserAgent::~UserAgent() {
    tls_verifier_.reset();
    sessions_.reset();
    listener_.reset();
    if (sip_) sip_close(sip_.get(), true);
    sip_.reset();
}

core::Result<std::unique_ptr<UserAgent>> UserAgent::create(const core::SipConfig& config,
                                                           InviteHandler on_invite) {
    auto ua = std::make_unique<UserAgent>(Key{}, config);
    ua->invite_handler_ = std::move(on_invite);

    // The resolver serves TLS registrars and dial-out targets named by host name (sip/next_hop),
    // and libre for other names; with no server we still run (IP URIs need no DNS).
    {
        struct sa nsv[8];
        uint32_t nsc = 0;
        if (!config.dns_servers.empty()) {
            for (const auto& d : config.dns_servers) {
                if (nsc < 8 && sa_set_str(&nsv[nsc], d.host.c_str(), d.port) == 0) ++nsc;
            }
        } else {
            nsc = 8;
            char domain[64] = "";
            if (dns_srv_get(domain, sizeof domain, nsv, &nsc) != 0) nsc = 0;
        }
        struct dnsc* dns = nullptr;
        if (dnsc_alloc(&dns, nullptr, nsv, nsc) == 0) ua->dns_.reset(dns);
    }
    struct libre_sip* raw = nullptr;
    int err = sip_alloc(&raw, ua->dns_.get(), 32, 32, 32, config.user_agent.c_str(),
                        &UserAgent::on_exit, ua.get());
    if (err != 0)
        return core::fail(std::string("sip: cannot create the stack: ") + std::strerror(err));
    ua->sip_.reset(raw);

    if (!config.tls_certificate.empty()) {
        struct tls* tls = nullptr;
        err = tls_alloc(&tls, TLS_METHOD_SSLV23, config.tls_certificate.c_str(), nullptr);
        if (err != 0)
            return core::fail("sip: cannot load the TLS certificate " + config.tls_certificate +
                              ": " + std::strerror(err));
        ua->tls_.reset(tls);
        // libre connects out over TLS with this same context (registrar, dial-out).
        const core::TlsTrust trust{config.tls_ca_file, config.tls_verify};
        auto verifier = TlsVerifier::attach(tls, trust.verify, core::tls_ca_bundle(trust));
        if (!verifier) return verifier.error();
        ua->tls_verifier_ = std::move(*verifier);
    }
    for (const auto& la : config.listen) {
        auto st = ua->add_transport(la);
        if (!st) return st.error();
    }
    // Our listener goes first so that OPTIONS and UPDATE are ours before sipsess looks.
    struct sip_lsnr* lsnr = nullptr;
    err = sip_listen(&lsnr, raw, true, &UserAgent::on_request, ua.get());
    if (err != 0) return core::fail(std::string("sip: listen: ") + std::strerror(err));
    ua->listener_.reset(lsnr);
    struct sipsess_sock* sock = nullptr;
    err = sipsess_listen(&sock, raw, 32, &UserAgent::on_invite, ua.get());
    if (err != 0) return core::fail(std::string("sip: sessions: ") + std::strerror(err));
    ua->sessions_.reset(sock);
    return ua;
}

core::Status UserAgent::add_transport(const core::ListenAddress& la) {
    struct sa addr;
    if (sa_set_str(&addr, la.host.c_str(), la.port) != 0)
        return core::fail("sip: listen address " + la.host + " is not an IP address");
    const enum sip_transp tp = transport_of(la.transport);
    const int err =
        sip_transp_add(sip_.get(), tp, &addr, tp == SIP_TRANSP_TLS ? tls_.get() : nullptr);
    if (err != 0)
        return core::fail("sip: cannot listen on " + la.transport + ":" + la.host + ":" +
                          std::to_string(la.port) + ": " + std::strerror(err));
    listening_.push_back(la.transport + ":" + la.host + ":" + std::to_string(la.port));
    return core::Ok{};
}

bool UserAgent::has_tls_listener() const {
    return std::any_of(config_.listen.begin(), config_.listen.end(),
                       [](const core::ListenAddress& la) { return la.transport == "tls"; });
}

void UserAgent::reply(const struct sip_msg& msg, uint16_t status, const std::string& reason,
                      const std::string& headers) const {
    (void)sip_treplyf(nullptr, nullptr, sip_.get(), &msg, false, status, reason.c_str(),
                      "%sContent-Length: 0\r\n\r\n", headers.c_str());
}

void UserAgent::add_call(Call* call) {
    calls_.push_back(call);
}

void UserAgent::remove_call(Call* call) {
    std::erase(calls_, call);
}

bool UserAgent::on_request(const struct sip_msg* msg, void* arg) {
    auto* self = static_cast<UserAgent*>(arg);
    if (pl_strcmp(&msg->met, "OPTIONS") == 0) {
        (void)sip_treplyf(nullptr, nullptr, self->sip_.get(), msg, false, 200, "OK",
                          "Allow: %s\r\nAccept: application/sdp\r\nSupported: %s\r\n"
                          "Content-Length: 0\r\n\r\n",
                          kAllow, kSupported);
        return true;
    }
    if (pl_strcmp(&msg->met, "UPDATE") == 0) {
        for (Call* c : self->calls_) {
            if (c->matches(*msg)) {
                c->handle_update(*msg);
                return true;
            }
        }
        self->reply(*msg, 481, "Call/Transaction Does Not Exist");
        return true;
    }
    if (pl_strcmp(&msg->met, "INVITE") == 0 && pl_isset(&msg->to.tag)) {
        for (Call* c : self->calls_) {
            if (!c->matches(*msg)) continue;
            if (auto failure = c->check_offer(*msg)) {
                self->reply(*msg, failure->status, failure->reason);
                return true;
            }
            break;
        }
        return false;  // sipsess answers it
    }
    if (pl_strcmp(&msg->met, "INVITE") == 0 && !pl_isset(&msg->to.tag)) {
        // libre builds a dialog from these; without them a response still goes out, and
        // the peer learns what was wrong instead of seeing a silent drop.
        if (!pl_isset(&msg->from.tag)) {
            self->reply(*msg, 400, "Missing From tag");
            return true;
        }
        if (sip_msg_hdr(msg, SIP_HDR_CONTACT) == nullptr) {
            self->reply(*msg, 400, "Missing Contact header");
            return true;
        }
        if (pl_isset(&msg->maxfwd) && pl_u32(&msg->maxfwd) == 0) {
            self->reply(*msg, 483, "Too Many Hops");
            return true;
        }
    }
    return false;
}

void UserAgent::on_invite(const struct sip_msg* msg, void* arg) {
    auto* self = static_cast<UserAgent*>(arg);
    if (self->invite_handler_) {
        self->invite_handler_(*msg);
    } else {
        self->reply(*msg, 503, "Service Unavailable");
    }
}

void UserAgent::close(bool force, std::function<void()> done) {
    on_closed_ = std::move(done);
    listener_.reset();
    sip_close(sip_.get(), force);
    if (force && on_closed_) {
        auto fn = std::move(on_closed_);
        on_closed_ = nullptr;
        fn();
    }
}

void UserAgent::on_exit(void* arg) {
    auto* self = static_cast<UserAgent*>(arg);
    if (self->on_closed_) {
        auto fn = std::move(self->on_closed_);
        self->on_closed_ = nullptr;
        fn();
    }
}

}  // namespace sip
