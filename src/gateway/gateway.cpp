#include "gateway/gateway.hpp"

#include "core/allocator.hpp"
#include "core/log.hpp"

#include "core/libre.hpp"
#include "core/text.hpp"
#include "gateway/meeting_page.hpp"
#include "services/display_name.hpp"
#include "sip/digest_source.hpp"
#include "sip/sdp.hpp"

#include <fmt/format.h>

#include <ctime>

namespace gateway {

namespace {

std::string pl_str(const struct pl& p) {
    return p.p != nullptr ? std::string(p.p, p.l) : "";
}

// "sip:bob@host;x" → "bob": the {user} of a dial-out's display-name template.
std::string sip_uri_user(const std::string& uri) {
    const size_t start = uri.find(':') + 1;
    const size_t at = uri.find('@', start);
    return at == std::string::npos ? "" : uri.substr(start, at - start);
}

}  // namespace

Gateway::Gateway(Key, const core::Config& config, core::ControlLoop& loop, uint32_t call_slots)
    : config_(config),
      loop_(loop),
      call_slots_(call_slots),
      prefs_(sip::CodecPreferences::from_config(config.media)),
      routes_(config.all_services()) {
    media_address_ =
        config.media.address.empty() ? config.sip.listen.front().host : config.media.address;
    engine_ = std::make_unique<media::Engine>(config.media, config.turn, loop);
}

Gateway::~Gateway() {
    sessions_.clear();
    pool_.reset();
    slots_.clear();
}

core::Result<std::unique_ptr<Gateway>> Gateway::create(const core::Config& config,
                                                       core::ControlLoop& loop,
                                                       uint32_t call_slots) {
    auto gw = std::make_unique<Gateway>(Key{}, config, loop, call_slots);
    Gateway* self = gw.get();
    auto ua = sip::UserAgent::create(config.sip,
                                     [self](const struct sip_msg& msg) { self->on_invite(msg); });
    if (!ua) return ua.error();
    gw->ua_ = std::move(*ua);
    auto adapters = services::make_adapters(gw->routes_.all());
    if (!adapters) return adapters.error();
    gw->adapters_ = std::move(*adapters);
    // Warm spares from the start: a call to a room never waits for a Chromium start.
    auto pool_options = browser::pool_options(config.browser);
    pool_options.launch.language = config.ivr.language;  // the service's texts in that language
    if (const auto a = gw->adapters_.find(config.service.name); a != gw->adapters_.end())
        if (auto preload = spare_preload(config, *a->second)) pool_options.preload = *preload;
    gw->pool_ = std::make_unique<browser::Pool>(pool_options);
    gw->pool_->start();
    gw->call_context_ = std::make_unique<CallContext>(
        CallContext{gw->config_, gw->routes_, gw->adapters_, *gw->pool_, loop,
                    [self](const std::string& id) { self->erase_session(id); }});
    if (config.registrar.enabled()) {
        const uint32_t n = config.registrar.slots != 0 ? config.registrar.slots : call_slots;
        for (uint32_t i = 1; i <= n; ++i) {
            gw->slots_.push_back(std::make_unique<sip::RegistrationSlot>(
                *gw->ua_, config.registrar, sip::slot_user(config.registrar, i)));
        }
        for (auto& s : gw->slots_) s->start();
    }
    return gw;
}

std::string Gateway::ready_line() const {
    std::string sip;
    for (const auto& l : ua_->listening()) sip += (sip.empty() ? "" : ",") + l;
    return fmt::format("sipmediagw: ready sip={} slots={}", sip, call_slots_);
}

std::string Gateway::new_session_id() {
    return fmt::format("{:04x}{:04x}", static_cast<unsigned>(++counter_ & 0xffff), rand_u16());
}

std::vector<SessionView> Gateway::sessions() const {
    std::vector<SessionView> out;
    for (const auto& [id, s] : sessions_) {
        SessionView v = s->view();
        v.slot = s->slot() && *s->slot() < slots_.size() ? slots_[*s->slot()]->user() : "";
        out.push_back(std::move(v));
    }
    return out;
}

std::vector<SlotView> Gateway::registration_slots() const {
    std::vector<SlotView> out;
    for (const auto& slot : slots_) {
        const char* state = slot->state() == sip::RegistrationState::Registered ? "registered"
                            : slot->state() == sip::RegistrationState::Failed   ? "failed"
                                                                                : "registering";
        out.push_back(SlotView{slot->user(), state, slot->busy()});
    }
    return out;
}

CallSession* Gateway::find(const std::string& id) {
    auto it = sessions_.find(id);
    return it == sessions_.end() ? nullptr : it->second.get();
}

void Gateway::reject(const struct sip_msg& msg, const std::string& id, uint16_t status,
                     const std::string& reason, const std::string& why,
                     const std::string& headers) {
    spdlog::info("gateway: sess={} rejected status={} reason=\"{}\" why=\"{}\"", id, status, reason,
                 core::log_field(why));
    count_call(status == 486 || status == 503 ? "busy" : "rejected");
    ua_->reply(msg, status, reason, headers);
}

void Gateway::reject_busy(const struct sip_msg& msg, const std::string& id,
                          const std::string& why) {
    if (config_.sip.busy_status == 503) {
        reject(msg, id, 503, "Service Unavailable", why,
               fmt::format("Retry-After: {}\r\n", config_.sip.retry_after));
    } else {
        reject(msg, id, 486, "Busy Here", why);
    }
}

void Gateway::reject_unavailable(const struct sip_msg& msg, const std::string& id,
                                 const std::string& why) {
    // A fault of ours (no ports, TURN down): Retry-After lets a proxy in front try another
    // gateway now and this one again later (RFC 3261 21.5.4).
    reject(msg, id, 503, "Service Unavailable", why,
           fmt::format("Retry-After: {}\r\n", config_.sip.retry_after));
}

void Gateway::on_invite(const struct sip_msg& msg) {
    // A stateless 100 at once: the 180/200 below go through the session's own transaction. With
    // TURN the INVITE waits for relays first: its own transaction sends the 100 (below).
    if (!engine_->uses_turn()) (void)sip_reply(ua_->stack(), &msg, 100, "Trying");
    std::string id = new_session_id();
    const std::string ruser = pl_str(msg.uri.user);
    // Every field is the peer's text: escaped so that no header can forge or split a log line.
    spdlog::info("sip: sess={} INVITE from=\"{}\" to=\"{}\" uri=\"{}\" call-id={} transport={}", id,
                 core::log_field(pl_str(msg.from.auri)), core::log_field(pl_str(msg.to.auri)),
                 core::log_field(pl_str(msg.ruri)), core::log_field(pl_str(msg.callid)),
                 sip_transp_name(msg.tp));
    if (shutting_down_) {
        reject(msg, id, 503, "Service Unavailable", "shutting down");
        return;
    }

    // Through Kamailio, the request-URI is a slot's contact and the wanted room stays in To.
    std::optional<size_t> slot;
    for (size_t i = 0; i < slots_.size(); ++i)
        if (slots_[i]->user() == ruser) slot = i;
    const std::string wanted = room_user(ruser, pl_str(msg.to.uri.user), slot.has_value());
    if (slot && slots_[*slot]->busy()) {
        reject_busy(msg, id, "slot " + ruser + " is busy");
        return;
    }
    // Through a slot the request-URI host is the slot's contact: the dialled domain is To's.
    auto room =
        routes_.route(wanted, slot ? std::string() : pl_str(msg.uri.host), pl_str(msg.to.uri.host));
    if (!room) {
        reject(msg, id, 404, "Not Found",
               "room \"" + wanted.substr(0, 200) + "\" is not valid: " + room.error().message);
        return;
    }
    // A call the launcher announced takes the slot held for it (and its id and room); other
    // calls only get a slot that nobody holds.
    std::string reservation_id;
    if (const Reservation* reservation = matching_reservation(slot, *room)) {
        spdlog::info("gateway: sess={} fulfils reservation {}", id, reservation->id);
        id = reservation_id = reservation->id;
        if (room->kind == RoomKind::Ivr) *room = reservation->room;
        // The launcher may have chosen the service for a URI that does not say it.
        if (room->service.empty() && room->kind != RoomKind::Echo)
            room->service = reservation->room.service;
    } else if (busy_call_slots() >= call_slots_) {
        reject_busy(msg, id,
                    reservations_.empty() ? fmt::format("all {} call slots are busy", call_slots_)
                                          : fmt::format("all {} call slots are busy ({} reserved)",
                                                        call_slots_, reservations_.size()));
        return;
    } else if (slot) {
        for (const auto& [rid, r] : reservations_) {
            if (r->slot == slot) {
                reject_busy(msg, id, "slot " + ruser + " is reserved");
                return;
            }
        }
    }

    sip::SessionTimerRequest treq;
    {
        const std::string se = sip::header_value(msg, "Session-Expires", "x");
        if (!se.empty()) {
            treq.session_expires = sip::parse_session_expires(se);
            if (!treq.session_expires) {
                reject(msg, id, 400, "Bad Session-Expires", "Session-Expires: " + se);
                return;
            }
        }
        const std::string min_se = sip::header_value(msg, "Min-SE");
        if (!min_se.empty()) treq.min_se = sip::parse_min_se(min_se);
        treq.supports_timer = sip::has_option_tag(msg, "timer");
    }
    auto timer = sip::decide_session_timer(treq, config_.sip.session_expires);
    if (timer.reject_too_small) {
        reject(msg, id, 422, "Session Interval Too Small", "Session-Expires below our Min-SE",
               fmt::format("Min-SE: {}\r\n", timer.min_se));
        return;
    }

    auto media = engine_->create_call(id, media_address_, media_events(id));
    if (!media) {
        reject_unavailable(msg, id, media.error().message);
        return;
    }
    if (engine_->uses_turn()) {
        // The answer must carry the relayed addresses: wait for the allocations. Without them
        // a peer behind NAT would get a call with no media, so failure rejects with 503 (a
        // proxy in front can try another gateway).
        // Content and floor control relays only for an offer with those lines; one that is
        // unparsable gets none (its answer refuses it anyway). A content line added later by
        // re-INVITE gets port 0, its relays, and our re-INVITE offering it on them
        // (docs/content.md, "Behind TURN").
        const auto offer = sip::parse_sdp(sip::body_of(msg));
        const bool with_content = offer && sip::has_content_or_floor(*offer);
        auto st = engine_->allocate_relays(
            **media, with_content,
            [this, id](const core::Status& done) { on_relays_ready(id, done); });
        if (!st) {
            spdlog::warn("media: sess={} turn failed {}", id, st.error().message);
            reject_unavailable(msg, id, st.error().message);
            return;
        }
        // Until the answer, retransmissions and a CANCEL meet this transaction, not sipsess
        // (which would answer the CANCEL 481 and let the call be answered anyway).
        auto transaction = sip::ProceedingInvite::start(ua_->stack(), msg, [this, id] {
            auto it = pending_.find(id);
            if (it == pending_.end()) return;
            spdlog::info("gateway: sess={} cancelled while relays were allocated, 487 sent", id);
            count_call("cancelled");
            // Frees the relays being allocated and the call slot; we are in a SIP handler, not
            // in the relays' own callback, so the media can go at once.
            pending_.erase(it);
        });
        if (!transaction) {
            reject(msg, id, 500, "Server Internal Error", transaction.error().message);
            return;
        }
        core::ReHandle<struct sip_msg> held(
            static_cast<struct sip_msg*>(mem_ref(const_cast<struct sip_msg*>(&msg))));
        pending_.emplace(id, PendingInvite{std::move(held), std::move(*transaction), *room, slot,
                                           timer, std::move(*media), reservation_id});
        return;
    }
    answer_invite(msg, id, *room, slot, timer, std::move(*media), reservation_id);
}

void Gateway::on_relays_ready(const std::string& id, const core::Status& status) {
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    PendingInvite p = std::move(it->second);
    pending_.erase(it);
    p.transaction.reset();  // the answer below (or the 503) takes the INVITE over
    if (!status || shutting_down_) {
        reject_unavailable(*p.msg, id,
                           status ? std::string("shutting down") : status.error().message);
        // We are inside the call's own relay callback: let it unwind before freeing it.
        std::shared_ptr<media::CallMedia> doomed = std::move(p.media);
        loop_.post([doomed] {});
        return;
    }
    answer_invite(*p.msg, id, p.room, p.slot, p.timer, std::move(p.media), p.reservation_id);
}

void Gateway::answer_invite(const struct sip_msg& msg, const std::string& id, const Room& room,
                            std::optional<size_t> slot, const sip::SessionTimerDecision& timer,
                            std::unique_ptr<media::CallMedia> media,
                            const std::string& reservation_id) {
    const std::string ruser = pl_str(msg.uri.user);
    sip::LocalMediaPorts ports = media->local_ports();
    // A relayed address is already the public one.
    if (!config_.sip.public_address.empty() && !media->relayed())
        ports.address = config_.sip.public_address;

    const std::string body = sip::body_of(msg);
    const std::string ctype = sip::content_type_of(msg);
    if (!body.empty() && ctype != "application/sdp") {
        reject(msg, id, 415, "Unsupported Media Type", "body of type " + ctype,
               "Accept: application/sdp\r\n");
        return;
    }
    sip::SdpOrigin origin{rand_u32(), 1};
    sip::AnswerPlan plan;
    auto floor = CallSession::open_floor_server(id, *media, ports);
    if (!body.empty()) {
        auto n = sip::answer_offer(body, prefs_, ports, origin);
        if (!n.ok()) {
            reject(msg, id, n.failure->status, n.failure->reason, n.failure->detail);
            return;
        }
        if (!n.bfcp_refused.empty())
            spdlog::info("gateway: sess={} {} (port 0)", id, core::log_field(n.bfcp_refused));
        plan.answer_sdp = n.sdp;
        plan.media = n.media;
    }
    plan.timer = timer;
    plan.ring_ms = config_.sip.ring_ms;
    plan.contact_user = ruser.empty() ? "sipmediagw" : ruser;

    auto session = std::make_unique<CallSession>(*call_context_, id, room, slot, std::move(media));
    // A name given to the API for this call wins over the one SIP brings (also when the IVR
    // later derives the name again for the room typed).
    services::CallerIdentity caller{pl_str(msg.from.dname), pl_str(msg.from.uri.user),
                                    pl_str(msg.from.auri), room.name};
    if (auto r = reservations_.find(reservation_id);
        r != reservations_.end() && !r->second->display_name.empty())
        caller.display_name = r->second->display_name;
    session->set_caller(std::move(caller));
    auto call = sip::Call::accept(*ua_, msg, id, prefs_, ports, origin, plan, session_events(id));
    if (!call) {
        reject(msg, id, 500, "Server Internal Error", call.error().message);
        return;
    }
    session->attach_call(std::move(*call));
    session->attach_floor(std::move(floor));
    if (plan.media.audio || plan.media.video) session->start_media(plan.media);
    if (slot) slots_[*slot]->set_busy(true);
    reservations_.erase(reservation_id);  // the session holds the call slot from now on
    count_call("answered");
    spdlog::info(
        "gateway: sess={} answering room_kind={} room=\"{}\" audio={} video={} slot={} "
        "service={} name=\"{}\"",
        id, room_kind_name(room.kind), room.name,
        plan.media.audio ? plan.media.audio->codec.name : "-",
        plan.media.video ? plan.media.video->codec.name : "-", slot ? slots_[*slot]->user() : "-",
        session->room().service.empty() ? "-" : session->room().service,
        core::log_field(session->display_name()));
    sessions_.emplace(id, std::move(session));
}

media::CallEvents Gateway::media_events(const std::string& id) {
    // By id: the media may outlive its session by a posted event.
    media::CallEvents events;
    events.on_dtmf = [this, id](char digit) {
        if (CallSession* s = find(id)) s->on_dtmf(digit, "rtp");
    };
    events.on_media_timeout = [this, id](const std::string& reason) {
        (void)hangup(id, "media timeout: " + reason);
    };
    events.on_error = [this, id](const std::string& reason) {
        (void)hangup(id, "media error: " + reason);
    };
    events.on_keyframe_needed = [this, id] {
        if (CallSession* s = find(id)) s->on_keyframe_needed();
    };
    return events;
}

sip::CallEvents Gateway::session_events(const std::string& id) {
    sip::CallEvents events;
    events.on_closed = [this, id](const std::string& cause) { end_session(id, cause); };
    events.on_established = [this, id] {
        if (CallSession* s = find(id)) s->on_established();
    };
    events.on_media = [this, id](const sip::NegotiatedMedia& m) {
        if (CallSession* s = find(id)) s->on_media(m);
    };
    events.on_info = [this, id](const sip::InfoEvent& ev) {
        if (CallSession* s = find(id)) s->on_info(ev);
    };
    events.on_content_without_ports = [this, id] {
        if (CallSession* s = find(id)) s->on_content_without_ports();
    };
    return events;
}

core::Result<std::string> Gateway::dial_out(const std::string& uri, const Room& room,
                                            const std::string& display_name) {
    if (shutting_down_) return core::fail("shutting down");
    if (busy_call_slots() >= call_slots_)
        return core::fail(fmt::format("all {} call slots are busy", call_slots_), 503);
    if (uri.rfind("sip:", 0) != 0 && uri.rfind("sips:", 0) != 0)
        return core::fail("dial-out target must be a sip: URI");
    const std::string id = new_session_id();
    auto media = engine_->create_call(id, media_address_, media_events(id));
    if (!media) return media.error();
    sip::LocalMediaPorts ports = (*media)->local_ports();
    if (!config_.sip.public_address.empty()) ports.address = config_.sip.public_address;

    const auto& reg = config_.registrar;
    const std::string user = reg.prefix.empty() ? reg.ua_name : reg.prefix + "." + reg.ua_name;
    const std::string domain = !reg.domain.empty() ? reg.domain
                               : reg.enabled()     ? sip::registrar_host(reg.server)
                                                   : config_.sip.listen.front().host;
    // Our secret only goes to our own proxy: a target the API names could be anyone, and a
    // challenge from it then ends the call with its 401/407.
    std::optional<sip::Credentials> creds;
    if (sip::credentials_for_target(uri, reg)) {
        if (!reg.secret.empty()) {
            creds = sip::make_ephemeral_credentials(
                reg.secret, user, static_cast<uint64_t>(std::time(nullptr)) + reg.expires);
        } else if (!reg.password.empty()) {
            creds = sip::Credentials{user, reg.password};
        }
    }
    auto session =
        std::make_unique<CallSession>(*call_context_, id, room, std::nullopt, std::move(*media));
    // Nobody called us: the name comes from the API, else from the template with the dialled
    // URI standing in for the caller.
    session->set_display_name(
        !display_name.empty() ? services::display_name_for(
                                    services::CallerIdentity{display_name, "", uri, room.name}, "")
                              : services::display_name_for(
                                    services::CallerIdentity{"", sip_uri_user(uri), uri, room.name},
                                    session->service().display_name));
    auto call = sip::Call::dial(*ua_, uri, "sip:" + user + "@" + domain, creds,
                                sip::registrar_realm(reg), id, prefs_, ports, session_events(id));
    if (!call) return call.error();
    session->attach_call(std::move(*call));
    spdlog::info("gateway: sess={} dialing uri=\"{}\" room_kind={} room=\"{}\" service={}", id, uri,
                 room_kind_name(room.kind), room.name,
                 session->room().service.empty() ? "-" : session->room().service);
    sessions_.emplace(id, std::move(session));
    return id;
}

core::Status Gateway::hangup(const std::string& id, const std::string& cause) {
    CallSession* s = find(id);
    if (s == nullptr) return core::fail("no session " + id);
    s->hangup(cause);
    return core::Ok{};
}

void Gateway::end_session(const std::string& id, const std::string& cause) {
    if (CallSession* s = find(id)) s->end(cause);
}

core::Status Gateway::inject_dtmf(const std::string& id, char digit) {
    CallSession* s = find(id);
    if (s == nullptr) return core::fail("no gateway " + id, 404);
    s->on_dtmf(digit, "api");
    return core::Ok{};
}

core::Status Gateway::in_call_action(const std::string& id, const std::string& action) {
    CallSession* s = find(id);
    if (s == nullptr) return core::fail("no gateway " + id, 404);
    return s->in_call_action(action);
}

void Gateway::meeting_action(const std::string& id, services::Action action,
                             std::function<void(core::Result<std::string>)> done) {
    CallSession* s = find(id);
    if (s == nullptr) {
        done(core::fail("no meeting for session " + id));
        return;
    }
    s->meeting_action(action, std::move(done));
}

Gateway::BrowserPoolView Gateway::browser_pool() const {
    if (!pool_) return {};
    return {pool_->ready_count(), pool_->starting_count(), pool_->held_count()};
}

void Gateway::erase_session(const std::string& id) {
    // The dialog may be mid-callback; destroy the session from the loop, not from here.
    loop_.post([this, id] {
        auto it = sessions_.find(id);
        if (it == sessions_.end()) return;
        if (it->second->slot() && *it->second->slot() < slots_.size())
            slots_[*it->second->slot()]->set_busy(false);
        sessions_.erase(it);
        core::release_free_memory();
        spdlog::info("gateway: sess={} ended, {} active", id, sessions_.size());
    });
}

void Gateway::shutdown(bool force, std::function<void()> done) {
    shutting_down_ = true;
    for (auto& [id, s] : sessions_) s->shutdown();
    sessions_.clear();
    for (auto& [id, p] : pending_) {
        p.transaction.reset();
        reject(*p.msg, id, 503, "Service Unavailable", "shutting down");
    }
    pending_.clear();
    slots_.clear();  // each slot unregisters
    ua_->close(force, std::move(done));
}

}  // namespace gateway
