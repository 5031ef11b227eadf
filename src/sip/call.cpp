#include "sip/call.hpp"

#include "core/log.hpp"
#include "core/text.hpp"
#include "sip/bfcp_sdp.hpp"
#include "sip/tls_target.hpp"
#include "sip/tls_verifier.hpp"
#include "sip/user_agent.hpp"

#include "core/libre.hpp"

#include <fmt/format.h>

#include <cstring>
#include <optional>

namespace sip {

namespace {

core::ReHandle<struct mbuf> to_mbuf(const std::string& text) {
    core::ReHandle<struct mbuf> mb(mbuf_alloc(text.size() + 1));
    if (mb) {
        (void)mbuf_write_mem(mb.get(), reinterpret_cast<const uint8_t*>(text.data()), text.size());
        mbuf_set_pos(mb.get(), 0);
    }
    return mb;
}

// SDP without its o= line: two descriptions that differ only there say the same thing.
std::string without_origin(const std::string& sdp) {
    const auto o = sdp.find("\no=");
    if (o == std::string::npos) return sdp;
    const auto end = sdp.find('\n', o + 1);
    return sdp.substr(0, o) + (end == std::string::npos ? "" : sdp.substr(end));
}

std::string with_version(const std::string& sdp, uint64_t version) {
    const auto o = sdp.find("\no=");
    if (o == std::string::npos) return sdp;
    // o=<user> <id> <version> ...: replace the third word.
    size_t p = o + 3;
    for (int i = 0; i < 2; ++i) p = sdp.find(' ', p) + 1;
    const size_t e = sdp.find(' ', p);
    return sdp.substr(0, p) + std::to_string(version) + sdp.substr(e);
}

SessionTimerRequest timer_request(const struct sip_msg& msg) {
    SessionTimerRequest r;
    const std::string se = header_value(msg, "Session-Expires", "x");
    if (!se.empty()) r.session_expires = parse_session_expires(se);
    const std::string min_se = header_value(msg, "Min-SE");
    if (!min_se.empty()) r.min_se = parse_min_se(min_se);
    r.supports_timer = has_option_tag(msg, "timer");
    return r;
}

}  // namespace

Call::Call(Key, UserAgent& ua, std::string log_id, CodecPreferences prefs, LocalMediaPorts ports,
           CallEvents events)
    : ua_(ua),
      log_id_(std::move(log_id)),
      prefs_(std::move(prefs)),
      ports_(std::move(ports)),
      events_(std::move(events)) {
    ua_.add_call(this);
}

Call::~Call() {
    content_offer_timer_.cancel();
    ring_timer_.cancel();
    refresh_timer_.cancel();
    expire_timer_.cancel();
    ua_.remove_call(this);
    sess_.reset();
}

core::Result<std::unique_ptr<Call>> Call::accept(UserAgent& ua, const struct sip_msg& invite,
                                                 std::string log_id, CodecPreferences prefs,
                                                 LocalMediaPorts ports, SdpOrigin origin,
                                                 AnswerPlan plan, CallEvents events) {
    auto call = std::make_unique<Call>(Key{}, ua, std::move(log_id), std::move(prefs),
                                       std::move(ports), std::move(events));
    call->origin_ = origin;
    call->call_id_ = std::string(invite.callid.p, invite.callid.l);
    call->media_ = plan.media;
    call->local_sdp_ = plan.answer_sdp.empty()
                           ? build_offer(call->prefs_, call->ports_, call->origin_)
                           : plan.answer_sdp;
    call->last_sdp_body_ = without_origin(call->local_sdp_);
    call->plan_ = std::move(plan);
    call->timer_ = call->plan_.timer;
    (void)call->note_offer(body_of(invite));

    struct sipsess* sess = nullptr;
    int err = 0;
    const std::string& cuser = call->plan_.contact_user;
    if (call->plan_.ring_ms > 0) {
        err = sipsess_accept(&sess, ua.sessions(), &invite, 180, "Ringing", cuser.c_str(),
                             "application/sdp", nullptr, nullptr, nullptr, false, &Call::on_offer,
                             &Call::on_answer, &Call::on_established, &Call::on_info, nullptr,
                             &Call::on_close, call.get(), "Allow: %s\r\n", kAllow);
    } else {
        auto desc = to_mbuf(call->local_sdp_);
        err =
            sipsess_accept(&sess, ua.sessions(), &invite, 200, "OK", cuser.c_str(),
                           "application/sdp", desc.get(), nullptr, nullptr, false, &Call::on_offer,
                           &Call::on_answer, &Call::on_established, &Call::on_info, nullptr,
                           &Call::on_close, call.get(), "Allow: %s\r\nSupported: %s\r\n%s", kAllow,
                           kSupported, call->timer_.response_headers.c_str());
    }
    if (err != 0) return core::fail(std::string("sipsess_accept: ") + std::strerror(err));
    call->sess_.reset(sess);
    if (call->plan_.ring_ms > 0) {
        Call* self = call.get();
        call->ring_timer_.start(call->plan_.ring_ms, [self] { self->send_answer(); });
    } else {
        call->apply_timer(call->timer_);
    }
    return call;
}

void Call::send_answer() {
    if (closed_ || !sess_) return;
    auto desc = to_mbuf(local_sdp_);
    const int err =
        sipsess_answer(sess_.get(), 200, "OK", desc.get(), "Allow: %s\r\nSupported: %s\r\n%s",
                       kAllow, kSupported, timer_.response_headers.c_str());
    if (err != 0) {
        close_with(std::string("cannot send 200 OK: ") + std::strerror(err));
        return;
    }
    apply_timer(timer_);
}

core::Result<std::unique_ptr<Call>> Call::dial(UserAgent& ua, const std::string& to_uri,
                                               const std::string& from_uri,
                                               std::optional<Credentials> credentials,
                                               std::string auth_realm, std::string log_id,
                                               CodecPreferences prefs, LocalMediaPorts ports,
                                               CallEvents events) {
    auto call = std::make_unique<Call>(Key{}, ua, std::move(log_id), std::move(prefs),
                                       std::move(ports), std::move(events));
    if (credentials)
        call->auth_ = make_digest_source(std::move(auth_realm), [c = *credentials] { return c; });
    call->origin_ = SdpOrigin{rand_u32(), 1};
    call->local_sdp_ = build_offer(call->prefs_, call->ports_, call->origin_);
    call->last_sdp_body_ = without_origin(call->local_sdp_);
    call->plan_.contact_user = "sipmediagw";  // our Contact in the INVITE and UPDATE answers
    const auto tls = tls_target_of(to_uri);
    if (tls && !ua.has_tls_listener())
        return core::fail("dial-out over TLS needs a 'tls:' address in sip.listen", 400);
    if (!tls || tls->ip_literal) {
        auto st = call->connect(to_uri, from_uri, std::nullopt);
        if (!st) return st.error();
        return call;
    }
    // A name: we resolve it, then connect to the address with the name to verify (and to send
    // as SNI) attached to the connection (sip/next_hop.hpp).
    Call* self = call.get();
    spdlog::info("sip: sess={} resolving {} for {}", call->log_id_, tls->host, to_uri);
    call->lookup_ = NextHopLookup::start(ua.dns(), *tls, [self, to_uri, from_uri](auto hops) {
        if (self->closed_) return;
        if (!hops) {
            self->close_with(hops.error().message);
            return;
        }
        auto st = self->connect(to_uri, from_uri, hops->front());
        if (!st) self->close_with(st.error().message);
    });
    return call;
}

core::Status Call::connect(const std::string& to_uri, const std::string& from_uri,
                           const std::optional<NextHop>& via) {
    auto desc = to_mbuf(local_sdp_);
    struct sipsess* sess = nullptr;
    // Outbound calls do not ask for session timers: the far end may still impose them and
    // refresh itself; our re-INVITE handling answers its refreshes.
    const std::string next_hop = sendable_uri(to_uri);
    const auto tls = tls_target_of(to_uri);
    // The connection libre opens inside sipsess_connect is for this host; the request URI and
    // To keep it, the Route names the address it was resolved to.
    const TlsVerifier::ExpectPeer expect(tls ? tls->host : std::string());
    const std::string route = via ? via->route() : std::string();
    const char* routev[] = {route.c_str()};
    const int err = sipsess_connect(
        &sess, ua_.sessions(), next_hop.c_str(), nullptr, from_uri.c_str(),
        plan_.contact_user.c_str(), via ? routev : nullptr, via ? 1 : 0, "application/sdp",
        desc.get(), auth_ ? &digest_source_auth : nullptr, auth_.get(), true, &Call::on_offer,
        &Call::on_answer, &Call::on_progress, &Call::on_established, &Call::on_info, nullptr,
        &Call::on_close, this, "Allow: %s\r\n", kAllow);
    if (err == EPROTONOSUPPORT && tls)
        return core::fail("dial-out over TLS needs a 'tls:' address in sip.listen", 400);
    if (err != 0) return core::fail(std::string("sipsess_connect: ") + std::strerror(err));
    sess_.reset(sess);
    if (const struct sip_dialog* dlg = sipsess_dialog(sess); dlg != nullptr)
        call_id_ = sip_dialog_callid(dlg);
    if (via) {
        spdlog::info("sip: sess={} dialing {} via {}", log_id_, to_uri, via->text());
    } else {
        spdlog::info("sip: sess={} dialing {}", log_id_, to_uri);
    }
    return core::Ok{};
}

void Call::hangup(const std::string& cause) {
    if (closed_) return;
    closed_ = true;
    content_offer_timer_.cancel();
    ring_timer_.cancel();
    refresh_timer_.cancel();
    expire_timer_.cancel();
    spdlog::info("sip: sess={} hangup cause={}", log_id_, cause);
    ua_.remove_call(this);
    sess_.reset();  // libre sends BYE (or the final response / CANCEL) and finishes it
}

void Call::request_keyframe() {
    if (closed_ || !sess_ || !established_) return;
    static const std::string kBody =
        "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\r\n"
        "<media_control><vc_primitive><to_encoder><picture_fast_update/></to_encoder>"
        "</vc_primitive></media_control>\r\n";
    auto body = to_mbuf(kBody);
    const int err =
        sipsess_info(sess_.get(), "application/media_control+xml", body.get(), nullptr, nullptr);
    if (err != 0)
        spdlog::warn("sip: sess={} cannot send INFO picture_fast_update: {}", log_id_,
                     std::strerror(err));
}

void Call::close_with(const std::string& cause) {
    if (closed_) return;
    hangup(cause);
    if (events_.on_closed) events_.on_closed(cause);
}

bool Call::matches(const struct sip_msg& msg) const {
    if (closed_ || !sess_) return false;
    const struct sip_dialog* dlg = sipsess_dialog(sess_.get());
    return dlg != nullptr && sip_dialog_cmp(dlg, &msg);
}

std::string Call::current_sdp_for(const std::string& sdp) {
    const std::string body = without_origin(sdp);
    if (body != last_sdp_body_) {
        ++origin_.version;
        last_sdp_body_ = body;
    }
    local_sdp_ = with_version(sdp, origin_.version);
    return local_sdp_;
}

void Call::apply_timer(const SessionTimerDecision& d) {
    timer_ = d;
    refresh_timer_.cancel();
    expire_timer_.cancel();
    if (!d.active || closed_) return;
    if (d.we_refresh) {
        refresh_timer_.start(uint64_t{refresh_after_s(d.interval)} * 1000, [this] { refresh(); });
    } else {
        expire_timer_.start(uint64_t{expire_after_s(d.interval)} * 1000,
                            [this] { close_with("session timer expired (no refresh)"); });
    }
}

void Call::refresh() {
    if (closed_ || !sess_) return;
    spdlog::info("sip: sess={} session refresh (re-INVITE)", log_id_);
    auto desc = to_mbuf(local_sdp_);
    const int err = sipsess_modify(sess_.get(), desc.get());
    if (err != 0) {
        close_with(std::string("session refresh failed: ") + std::strerror(err));
        return;
    }
    apply_timer(timer_);
}

int Call::on_offer(struct mbuf** descp, const struct sip_msg* msg, void* arg) {
    auto* self = static_cast<Call*>(arg);
    const std::string body = body_of(*msg);
    std::string sdp;
    bool without_ports = false;
    if (body.empty()) {
        // An offerless re-INVITE: we offer, the answer comes in the ACK (on_answer).
        sdp = self->current_sdp_for(
            build_offer(self->prefs_, self->ports_, self->origin_, &self->media_));
    } else {
        auto n = answer_offer(body, self->prefs_, self->ports_, self->origin_);
        if (!n.ok()) {
            spdlog::warn("sip: sess={} re-offer refused status={} reason=\"{}\"", self->log_id_,
                         n.failure->status, n.failure->detail);
            return EPROTO;  // libre answers 488
        }
        if (!n.bfcp_refused.empty())
            spdlog::info("sip: sess={} re-INVITE {} (port 0)", self->log_id_,
                         core::log_field(n.bfcp_refused));
        sdp = self->current_sdp_for(n.sdp);
        self->media_ = n.media;
        without_ports = self->note_offer(body);
    }
    // libre drops a re-INVITE of ours still waiting to be sent: our answer is the new state.
    self->offered_media_.reset();
    if (self->content_offer_wanted_ && self->media_.content) {
        self->content_offer_wanted_ = false;  // the peer's offer settled the content line
    } else if (self->content_offer_wanted_) {
        // Offered again once this exchange is over: libre sends it after the ACK.
        self->content_offer_timer_.start(0, [self] { (void)self->send_content_offer(); });
    }
    auto mb = to_mbuf(sdp);
    *descp = mb.release();
    if (self->timer_.active && !self->timer_.we_refresh) {
        // libre 1.1.0 cannot put Session-Expires in a re-INVITE's 2xx, and without it the peer
        // stops refreshing (RFC 4028 §7.4), so from now on we refresh.
        SessionTimerDecision d = self->timer_;
        d.we_refresh = true;
        self->apply_timer(d);
    } else if (self->timer_.active) {
        self->apply_timer(self->timer_);
    }
    spdlog::info("sip: sess={} re-INVITE {}", self->log_id_,
                 body.empty() ? "without offer" : "answered");
    if (!body.empty() && self->events_.on_media) self->events_.on_media(self->media_);
    if (without_ports && self->events_.on_content_without_ports)
        self->events_.on_content_without_ports();
    return 0;
}

int Call::on_answer(const struct sip_msg* msg, void* arg) {
    auto* self = static_cast<Call*>(arg);
    const std::string body = body_of(*msg);
    if (body.empty()) return 0;  // a 200 to our refresh may repeat nothing new
    auto n = apply_answer(body, self->prefs_, self->ports_);
    if (!n.ok()) {
        spdlog::warn("sip: sess={} answer refused reason=\"{}\"", self->log_id_, n.failure->detail);
        return EPROTO;
    }
    // Our re-INVITE repeats our last answer: what it settled for content and BFCP stays. One
    // from offer_content() settles what it offered.
    const NegotiatedMedia& before = self->offered_media_ ? *self->offered_media_ : self->media_;
    if (auto parsed = parse_sdp(body)) keep_content_and_floor(*parsed, before, n.media);
    if (self->offered_media_) {
        self->content_offer_wanted_ = false;
        spdlog::info("sip: sess={} content offer answered: content={} bfcp={}", self->log_id_,
                     n.media.content ? "accepted" : "refused",
                     n.media.bfcp ? "accepted" : "refused");
        self->offered_media_.reset();
    }
    self->media_ = n.media;
    if (self->events_.on_media) self->events_.on_media(self->media_);
    return 0;
}

void Call::on_progress(const struct sip_msg* msg, void* arg) {
    auto* self = static_cast<Call*>(arg);
    spdlog::info("sip: sess={} progress {} {}", self->log_id_, msg->scode,
                 core::log_field(std::string(msg->reason.p, msg->reason.l)));
}

void Call::on_established(const struct sip_msg* msg, void* arg) {
    auto* self = static_cast<Call*>(arg);
    self->established_ = true;
    spdlog::info("sip: sess={} established", self->log_id_);
    if (self->events_.on_established) self->events_.on_established();
}

void Call::on_info(struct libre_sip* sip, const struct sip_msg* msg, void* arg) {
    auto* self = static_cast<Call*>(arg);
    const std::string ctype = content_type_of(*msg);
    auto ev = parse_info_body(ctype, body_of(*msg));
    if (!ev) {
        const bool known = ctype == "application/dtmf-relay" || ctype == "application/dtmf" ||
                           ctype == "application/media_control+xml";
        spdlog::warn("sip: sess={} INFO refused: {}", self->log_id_, ev.error().message);
        if (known) {
            (void)sip_reply(sip, msg, 400, "Bad INFO body");
        } else {
            (void)sip_treplyf(nullptr, nullptr, sip, msg, false, 415, "Unsupported Media Type",
                              "Accept: application/dtmf-relay, application/dtmf, "
                              "application/media_control+xml\r\nContent-Length: 0\r\n\r\n");
        }
        return;
    }
    (void)sip_reply(sip, msg, 200, "OK");
    if (const auto* key = std::get_if<DtmfKey>(&*ev)) {
        spdlog::info("sip: sess={} INFO dtmf key={} duration_ms={}", self->log_id_, key->digit,
                     key->duration_ms);
    } else {
        spdlog::info("sip: sess={} INFO picture_fast_update", self->log_id_);
    }
    if (self->events_.on_info) self->events_.on_info(*ev);
}

void Call::on_close(int err, const struct sip_msg* msg, void* arg) {
    auto* self = static_cast<Call*>(arg);
    if (self->closed_) return;
    std::string cause;
    if (msg != nullptr && msg->scode >= 300) {
        // The cause reaches logs, the API's JSON and the caller's screen: the peer's reason
        // phrase is cleaned like a name (any bytes, always valid UTF-8 without controls).
        cause = "rejected " + std::to_string(msg->scode) + " " +
                core::clean_name(std::string_view(msg->reason.p, msg->reason.l), 128);
    } else if (err == ECONNRESET) {
        cause = self->established_ || self->plan_.ring_ms == 0 ? "remote hangup" : "cancelled";
        if (msg != nullptr && pl_strcmp(&msg->met, "CANCEL") == 0) cause = "cancelled";
    } else if (err == ETIMEDOUT) {
        cause = "timeout";
    } else {
        cause = err != 0 ? std::strerror(err) : "closed";
    }
    self->closed_ = true;
    self->content_offer_timer_.cancel();
    self->ring_timer_.cancel();
    self->refresh_timer_.cancel();
    self->expire_timer_.cancel();
    self->ua_.remove_call(self);
    spdlog::info("sip: sess={} closed cause={}", self->log_id_, cause);
    if (self->events_.on_closed) self->events_.on_closed(cause);
}

std::optional<SdpFailure> Call::check_offer(const struct sip_msg& msg) const {
    const std::string body = body_of(msg);
    if (body.empty()) return std::nullopt;
    auto n = answer_offer(body, prefs_, ports_, origin_);
    if (n.ok()) return std::nullopt;
    spdlog::warn("sip: sess={} re-INVITE refused status={} reason=\"{}\"", log_id_,
                 n.failure->status, n.failure->detail);
    return n.failure;
}

void Call::handle_update(const struct sip_msg& msg) {
    struct libre_sip* sip = ua_.stack();
    SessionTimerDecision d = decide_session_timer(timer_request(msg), ua_.config().session_expires);
    if (d.reject_too_small) {
        (void)sip_treplyf(nullptr, nullptr, sip, &msg, false, 422, "Session Interval Too Small",
                          "Min-SE: %u\r\nContent-Length: 0\r\n\r\n", d.min_se);
        return;
    }
    const std::string body = body_of(msg);
    std::string sdp;
    if (!body.empty()) {
        auto n = answer_offer(body, prefs_, ports_, origin_);
        if (!n.ok()) {
            spdlog::warn("sip: sess={} UPDATE offer refused status={} reason=\"{}\"", log_id_,
                         n.failure->status, n.failure->detail);
            (void)sip_reply(sip, &msg, n.failure->status, n.failure->reason.c_str());
            return;
        }
        sdp = current_sdp_for(n.sdp);
        media_ = n.media;
    }
    const bool without_ports = !body.empty() && note_offer(body);
    struct sa laddr;
    (void)sip_transp_laddr(sip, &laddr, msg.tp, &msg.src);
    char contact[256];
    (void)re_snprintf(contact, sizeof contact, "<sip:%s@%J%s>", plan_.contact_user.c_str(), &laddr,
                      sip_transp_param(msg.tp));
    if (!d.active) d.response_headers.clear();
    (void)sip_treplyf(nullptr, nullptr, sip, &msg, false, 200, "OK",
                      "Contact: %s\r\nAllow: %s\r\nSupported: %s\r\n%s%s"
                      "Content-Length: %zu\r\n\r\n%s",
                      contact, kAllow, kSupported, d.response_headers.c_str(),
                      sdp.empty() ? "" : "Content-Type: application/sdp\r\n", sdp.size(),
                      sdp.c_str());
    apply_timer(d);
    spdlog::info("sip: sess={} UPDATE {}", log_id_, sdp.empty() ? "refresh" : "answered");
    if (!sdp.empty() && events_.on_media) events_.on_media(media_);
    if (without_ports && events_.on_content_without_ports) events_.on_content_without_ports();
}

bool Call::note_offer(const std::string& body) {
    if (body.empty()) return false;
    auto parsed = parse_sdp(body);
    if (!parsed) return false;
    last_offer_ = body;
    if (!offers_content_or_floor(*parsed)) return false;
    content_offer_ = body;
    return ports_.content_rtp == 0;
}

bool Call::offer_content(const LocalMediaPorts& ports) {
    ports_ = ports;
    content_offer_wanted_ = true;
    content_offers_ = 0;
    return send_content_offer();
}

bool Call::send_content_offer() {
    if (closed_ || !sess_ || !content_offer_wanted_) return false;
    constexpr unsigned kMaxContentOffers = 3;
    if (++content_offers_ > kMaxContentOffers) {
        content_offer_wanted_ = false;
        spdlog::warn("sip: sess={} content offer: not offered again ({} unanswered)", log_id_,
                     kMaxContentOffers);
        return false;
    }
    auto latest = parse_sdp(last_offer_);
    auto earlier = parse_sdp(content_offer_);
    std::optional<SdpDescription> restored;
    if (latest && earlier) restored = with_content_restored(*latest, *earlier);
    if (!restored) {
        content_offer_wanted_ = false;
        spdlog::info(
            "sip: sess={} content offer: the room's latest offer has no content line "
            "to offer again",
            log_id_);
        return false;
    }
    // Our answer to the room's offer as it asked for the content (its lines, its order, our
    // ports now), sent as our offer.
    auto n = answer_offer(format_sdp(*restored), prefs_, ports_, origin_);
    if (!n.ok() || !n.media.content) {
        content_offer_wanted_ = false;
        spdlog::warn("sip: sess={} content offer: not offered ({})", log_id_,
                     !n.ok() ? n.failure->detail : "the content line is refused again");
        return false;
    }
    auto desc = to_mbuf(current_sdp_for(n.sdp));
    if (const int err = sipsess_modify(sess_.get(), desc.get()); err != 0) {
        content_offer_wanted_ = false;
        spdlog::warn("sip: sess={} content offer: cannot send the re-INVITE: {}", log_id_,
                     std::strerror(err));
        return false;
    }
    offered_media_ = n.media;
    spdlog::info("sip: sess={} re-INVITE offering the content line port={}{}", log_id_,
                 n.media.content->local_rtp_port,
                 n.media.bfcp
                     ? fmt::format(" and {} port={}", bfcp_transport_name(n.media.bfcp->transport),
                                   n.media.bfcp->local_port)
                     : std::string());
    return true;
}

}  // namespace sip
