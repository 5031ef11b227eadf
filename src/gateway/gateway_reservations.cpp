// Reserved call slots (the reference launcher's call) and the counters the API shows.
#include "core/libre.hpp"
#include "core/log.hpp"
#include "gateway/gateway.hpp"

#include <fmt/format.h>

namespace gateway {

core::Result<ReservationView> Gateway::reserve(const Room& room, const std::string& from,
                                               uint32_t timeout_s,
                                               const std::string& display_name) {
    if (shutting_down_) return core::fail("shutting down", 503);
    if (busy_call_slots() >= call_slots_) {
        return core::fail(reservations_.empty()
                              ? fmt::format("all {} call slots are busy", call_slots_)
                              : fmt::format("all {} call slots are busy ({} reserved)", call_slots_,
                                            reservations_.size()),
                          503);
    }
    auto r = std::make_unique<Reservation>();
    r->id = new_session_id();
    r->room = room;
    r->from = from;
    r->display_name = display_name;
    const auto& reg = config_.registrar;
    if (!slots_.empty()) {
        // Through the registrar the caller dials a free slot's AOR, so the call reaches this
        // instance and this reservation whatever Kamailio would pick otherwise.
        for (size_t i = 0; i < slots_.size() && !r->slot; ++i) {
            bool held = slots_[i]->busy();
            for (const auto& [rid, other] : reservations_) held = held || other->slot == i;
            if (!held) r->slot = i;
        }
        if (!r->slot)
            return core::fail(fmt::format("all {} registration slots are busy", slots_.size()),
                              503);
        const std::string domain =
            !reg.domain.empty() ? reg.domain : sip::registrar_host(reg.server);
        r->uri = "sip:" + slots_[*r->slot]->user() + "@" + domain;
    } else {
        const auto& l = config_.sip.listen.front();
        const std::string host =
            !config_.sip.public_address.empty() ? config_.sip.public_address : l.host;
        std::string user = room.kind == RoomKind::Named  ? room.name
                           : room.kind == RoomKind::Echo ? "echo"
                                                         : "0";
        // The service's room prefix makes the URI say the service, so the call chooses it
        // even if the reservation expires first.
        if (const auto* s = routes_.find(room.service); s != nullptr && !s->prefix.empty())
            user = s->prefix + "." + user;
        r->uri = fmt::format("sip:{}@{}:{}", user, host, l.port);
    }
    r->expires_at_ms = tmr_jiffies() + uint64_t{timeout_s} * 1000;
    const std::string id = r->id;
    r->expiry.start(uint64_t{timeout_s} * 1000, [this, id] {
        (void)cancel_reservation(id, "no call within the reservation timeout");
    });
    ReservationView v{id,
                      room_kind_name(room.kind),
                      room.name,
                      r->uri,
                      r->slot ? slots_[*r->slot]->user() : "",
                      from,
                      timeout_s,
                      room.service,
                      display_name};
    spdlog::info(
        "gateway: sess={} reserved room_kind={} room=\"{}\" uri=\"{}\" timeout_s={} from=\"{}\" "
        "service={}",
        id, v.room_kind, room.name, r->uri, timeout_s, from,
        room.service.empty() ? "-" : room.service);
    reservations_.emplace(id, std::move(r));
    return v;
}

std::vector<ReservationView> Gateway::reservations() const {
    std::vector<ReservationView> out;
    const uint64_t now = tmr_jiffies();
    for (const auto& [id, r] : reservations_) {
        const uint64_t left = r->expires_at_ms > now ? (r->expires_at_ms - now + 999) / 1000 : 0;
        out.push_back(ReservationView{id, room_kind_name(r->room.kind), r->room.name, r->uri,
                                      r->slot ? slots_[*r->slot]->user() : "", r->from,
                                      static_cast<uint32_t>(left), r->room.service,
                                      r->display_name});
    }
    return out;
}

bool Gateway::cancel_reservation(const std::string& id, const std::string& cause) {
    auto it = reservations_.find(id);
    if (it == reservations_.end()) return false;
    // Not erased from inside its own timer callback: the Timer would be destroyed while running.
    auto r = std::move(it->second);
    reservations_.erase(it);
    spdlog::info("gateway: sess={} reservation released cause=\"{}\"", id, cause);
    loop_.post([held = std::shared_ptr<Reservation>(std::move(r))] {});
    return true;
}

Reservation* Gateway::matching_reservation(std::optional<size_t> slot, const Room& room) {
    auto match = reservations_.end();
    for (auto it = reservations_.begin(); it != reservations_.end(); ++it) {
        const Reservation& r = *it->second;
        if (slot) {
            // Through Kamailio a call for another room may be routed to the reserved slot: it
            // must not take the reservation (it gets busy and Kamailio tries the next slot).
            const bool same_room = room.kind == RoomKind::Ivr ||
                                   (room.kind == r.room.kind && room.name == r.room.name);
            if (r.slot == slot && same_room) match = it;
        } else if (!r.slot && r.room.kind == room.kind && r.room.name == room.name) {
            match = it;
        }
        if (match != reservations_.end()) break;
    }
    return match == reservations_.end() ? nullptr : match->second.get();
}

std::map<std::string, media::CallMedia::Stats> Gateway::media_stats() const {
    std::map<std::string, media::CallMedia::Stats> out;
    for (const auto& [id, s] : sessions_)
        if (s->media() != nullptr && s->media()->running()) out.emplace(id, s->media()->stats());
    return out;
}

std::map<std::string, media::MeetingBridge::Stats> Gateway::bridge_stats() const {
    std::map<std::string, media::MeetingBridge::Stats> out;
    for (const auto& [id, s] : sessions_)
        if (s->meeting() != nullptr && s->meeting()->bridge() != nullptr)
            out.emplace(id, s->meeting()->bridge()->stats());
    return out;
}

}  // namespace gateway
