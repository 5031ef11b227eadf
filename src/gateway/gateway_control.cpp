#include "gateway/gateway_control.hpp"

#include "api/prometheus.hpp"
#include "core/log.hpp"
#include "gateway/session_state.hpp"

#include <fmt/format.h>

namespace gateway {

nlohmann::json to_json(const SessionView& v) {
    return {{"id", v.id},
            {"state", v.state},
            {"room_kind", v.room_kind},
            {"room", v.room},
            {"service", v.service},
            {"slot", v.slot},
            {"call_id", v.call_id},
            {"audio_codec", v.audio_codec},
            {"video_codec", v.video_codec},
            {"protection", v.protection},
            {"meeting", v.meeting},
            {"display_name", v.display_name},
            {"content_codec", v.content_codec},
            {"content_bfcp", v.content_bfcp},
            {"content_floor", v.content_floor},
            {"share", v.share}};
}

nlohmann::json to_json(const ReservationView& v) {
    return {{"id", v.id},
            {"state", "reserved"},
            {"room_kind", v.room_kind},
            {"room", v.room},
            {"uri", v.uri},
            {"service", v.service},
            {"slot", v.slot},
            {"from", v.from},
            {"expires_in_s", v.expires_in_s},
            {"display_name", v.display_name}};
}

namespace {

std::string service_names(const ServiceRoutes& services) {
    std::string names;
    for (const auto& s : services.all()) names += (names.empty() ? "" : ", ") + s.name;
    return names;
}

}  // namespace

GatewayControl::GatewayControl(Gateway& gateway, const core::Config& config)
    : gateway_(gateway), config_(config) {}

core::Result<nlohmann::json> GatewayControl::start_gateway(
    const api::GatewayStartRequest& request) {
    Room room;  // IVR unless a room is named
    if (!request.room.empty()) {
        auto parsed = parse_room(request.room);
        if (!parsed) return core::fail("room: " + parsed.error().message, 400);
        room = *parsed;
    }
    const ServiceRoutes& services = gateway_.services();
    if (!request.service.empty()) {
        const auto* chosen = services.find(request.service);
        if (chosen == nullptr)
            return core::fail(fmt::format("service '{}' is not configured here ({})",
                                          request.service, service_names(services)),
                              404);
        if (room.kind != RoomKind::Echo) room.service = chosen->name;  // echo joins none
    }
    if (!request.dial.empty()) {
        auto id = gateway_.dial_out(request.dial, room, request.display_name);
        if (!id) {
            const int code = id.error().code != 0 ? id.error().code : 400;
            spdlog::warn("api: dial-out to \"{}\" refused: {}", request.dial, id.error().message);
            return core::fail(id.error().message, code);
        }
        auto view = gateway(*id);
        if (view) (*view)["dial"] = request.dial;
        return view;
    }
    // The reference launcher picks gateways by registration prefix: this instance only has
    // slots under its own. A prefix naming one of our services (its room prefix, else its
    // name) chooses that service instead; any other prefix is another instance's.
    if (!request.prefix.empty() && request.prefix != config_.registrar.prefix) {
        const auto* chosen = services.by_launcher_prefix(request.prefix);
        if (chosen == nullptr)
            return core::fail(fmt::format("no call slot with prefix '{}' here", request.prefix),
                              503);
        if (!room.service.empty() && room.service != chosen->name)
            return core::fail(fmt::format("prefix '{}' chooses service '{}', but 'service' asks "
                                          "for '{}'",
                                          request.prefix, chosen->name, room.service),
                              400);
        if (room.kind != RoomKind::Echo) room.service = chosen->name;
    }
    auto reservation = gateway_.reserve(room, request.from, config_.api.reservation_timeout_s,
                                        request.display_name);
    if (!reservation) {
        spdlog::warn("api: reservation refused: {}", reservation.error().message);
        return reservation.error();
    }
    return to_json(*reservation);
}

nlohmann::json GatewayControl::list_gateways() const {
    auto list = nlohmann::json::array();
    for (const auto& v : gateway_.sessions()) list.push_back(to_json(v));
    for (const auto& v : gateway_.reservations()) list.push_back(to_json(v));
    return list;
}

core::Result<nlohmann::json> GatewayControl::gateway(const std::string& id) const {
    for (const auto& v : gateway_.sessions())
        if (v.id == id) return to_json(v);
    for (const auto& v : gateway_.reservations())
        if (v.id == id) return to_json(v);
    return core::fail("no gateway " + id, 404);
}

core::Status GatewayControl::stop_gateway(const std::string& id) {
    if (gateway_.cancel_reservation(id, "stopped through the API")) return core::Ok{};
    auto st = gateway_.hangup(id, "stopped through the API");
    if (!st) return core::fail("no gateway " + id, 404);
    return st;
}

core::Result<nlohmann::json> GatewayControl::command(const std::string& id,
                                                     const nlohmann::json& command) {
    const std::string action = command.value("action", "");
    if (action == "dtmf") {
        const auto it = command.find("digits");
        if (it == command.end() || !it->is_string() || it->get<std::string>().empty())
            return core::fail("'digits' (a non-empty string) is required for dtmf", 400);
        const std::string digits = it->get<std::string>();
        if (digits.find_first_not_of("0123456789*#") != std::string::npos)
            return core::fail("'digits' may only hold 0-9, * and #", 400);
        for (char d : digits)
            if (auto st = gateway_.inject_dtmf(id, d); !st) return st.error();
        return nlohmann::json{{"id", id}, {"action", action}, {"digits", digits}};
    }
    if (auto st = gateway_.in_call_action(id, action); !st) return st.error();
    return nlohmann::json{{"id", id}, {"action", action}};
}

std::string GatewayControl::metrics() const {
    api::PrometheusText m;
    std::map<std::string, size_t> by_state;
    for (const char* s : {"answering", "ivr", "joining", "in_call", "ending"}) by_state[s] = 0;
    for (const auto& v : gateway_.sessions()) ++by_state[v.state];
    by_state["reserved"] = gateway_.reservations().size();
    for (const auto& [state, n] : by_state)
        m.add("sipmediagw_sessions", "gauge", "Active gateway sessions by state",
              static_cast<double>(n), {{"state", state}});
    std::map<std::string, size_t> by_service;
    for (const auto& s : gateway_.services().all()) by_service[s.name] = 0;
    for (const auto& v : gateway_.sessions())
        if (!v.service.empty()) ++by_service[v.service];
    for (const auto& [service, n] : by_service)
        m.add("sipmediagw_sessions_by_service", "gauge",
              "Sessions that joined or are joining a service", static_cast<double>(n),
              {{"service", service}});
    for (const char* result : {"answered", "busy", "rejected", "cancelled"}) {
        const auto& totals = gateway_.calls_total();
        const auto it = totals.find(result);
        m.add("sipmediagw_calls_total", "counter",
              "Incoming calls by admission result (answered, busy, rejected, cancelled)",
              it == totals.end() ? 0.0 : static_cast<double>(it->second), {{"result", result}});
    }
    for (const auto& slot : gateway_.registration_slots()) {
        m.add("sipmediagw_registration_registered", "gauge",
              "1 when the registration slot is registered", slot.state == "registered" ? 1 : 0,
              {{"slot", slot.user}, {"state", slot.state}});
        m.add("sipmediagw_registration_busy", "gauge", "1 when the slot carries a call",
              slot.busy ? 1 : 0, {{"slot", slot.user}});
    }
    m.add("sipmediagw_call_slots", "gauge", "Call capacity (max_calls or cores/cpu_cores_per_call)",
          gateway_.call_slots());
    m.add("sipmediagw_call_slots_busy", "gauge", "Call slots held by sessions or reservations",
          static_cast<double>(gateway_.busy_call_slots()));
    m.add("sipmediagw_control_queue_dropped_total", "counter",
          "Events from media threads dropped because the control queue was full",
          static_cast<double>(gateway_.control_loop().dropped()));
    m.add("sipmediagw_control_queue_depth", "gauge", "Events waiting for the control thread",
          static_cast<double>(gateway_.control_loop().queued()));
    const auto pool = gateway_.browser_pool();
    m.add("sipmediagw_browser_pool_size", "gauge", "Warm browsers waiting in the pool",
          static_cast<double>(pool.ready));
    m.add("sipmediagw_browser_pool_starting", "gauge", "Pool browsers still starting",
          static_cast<double>(pool.starting));
    m.add("sipmediagw_browser_pool_held", "gauge",
          "Spares handed out whose replacement waits for their call's join",
          static_cast<double>(pool.held));
    for (const auto& [id, stats] : gateway_.media_stats()) {
        for (const auto& [kind, s] : {std::pair{"audio", stats.audio},
                                      {"video", stats.video},
                                      {"content", stats.content}}) {
            if (!s) continue;
            const api::PrometheusText::Labels l{{"session", id}, {"media", kind}};
            m.add("sipmediagw_media_packets_received_total", "counter",
                  "RTP packets received from the caller", static_cast<double>(s->packets_in), l);
            m.add("sipmediagw_media_packets_sent_total", "counter",
                  "RTP packets sent to the caller", static_cast<double>(s->packets_out), l);
            m.add("sipmediagw_media_packets_lost", "gauge", "RTP packets lost (RFC 3550)",
                  static_cast<double>(s->packets_lost), l);
            m.add("sipmediagw_media_jitter_ms", "gauge",
                  "Interarrival jitter of the caller's stream", s->jitter_ms, l);
            m.add("sipmediagw_media_stray_packets_total", "counter",
                  "Datagrams dropped on the call's RTP/RTCP ports: not from the peer's bound "
                  "source, or not valid RTP/RTCP of a negotiated format",
                  static_cast<double>(s->stray_packets), l);
            m.add("sipmediagw_media_protection", "gauge",
                  "1 for the protection of the stream's packets on the SIP leg (none, "
                  "sdes-srtp, dtls-srtp)",
                  1, {{"session", id}, {"media", kind}, {"protection", s->protection}});
            m.add("sipmediagw_media_srtp_auth_failures_total", "counter",
                  "SRTP/SRTCP datagrams dropped because authentication or the replay check "
                  "failed (counted in stray packets too)",
                  static_cast<double>(s->srtp_auth_failures), l);
            m.add("sipmediagw_media_dtmf_dropped_total", "counter",
                  "RFC 4733 key presses dropped by the per-call rate limit",
                  static_cast<double>(s->dtmf_dropped), l);
            m.add("sipmediagw_media_frames_decoded_total", "counter",
                  "Frames the gateway decoded from the caller",
                  static_cast<double>(s->frames_decoded), l);
            m.add("sipmediagw_media_frames_encoded_total", "counter",
                  "Frames the gateway encoded for the caller",
                  static_cast<double>(s->frames_encoded), l);
            if (!s->passthrough) continue;
            m.add("sipmediagw_media_frames_forwarded_total", "counter",
                  "Encoded frames forwarded without transcoding (passthrough)",
                  static_cast<double>(s->frames_to_page),
                  {{"session", id}, {"media", kind}, {"direction", "to_page"}});
            m.add("sipmediagw_media_frames_forwarded_total", "counter",
                  "Encoded frames forwarded without transcoding (passthrough)",
                  static_cast<double>(s->frames_from_page),
                  {{"session", id}, {"media", kind}, {"direction", "from_page"}});
        }
    }
    for (const auto& [id, b] : gateway_.bridge_stats()) {
        const api::PrometheusText::Labels l{{"session", id}};
        m.add("sipmediagw_link_video_passthrough", "gauge",
              "1 when the page link forwards the caller's encoded video", b.passthrough ? 1 : 0, l);
        m.add("sipmediagw_link_video_frames_decoded_total", "counter",
              "Frames of the page's video the gateway decoded",
              static_cast<double>(b.video_frames_decoded), l);
        m.add("sipmediagw_link_video_frames_encoded_total", "counter",
              "Frames the gateway encoded toward the page",
              static_cast<double>(b.video_frames_encoded), l);
        m.add("sipmediagw_link_audio_passthrough", "gauge",
              "1 when the page link forwards the caller's Opus", b.audio_passthrough ? 1 : 0, l);
        m.add("sipmediagw_link_audio_frames_decoded_total", "counter",
              "Audio frames of the page the gateway decoded",
              static_cast<double>(b.audio_frames_decoded), l);
        m.add("sipmediagw_link_audio_frames_encoded_total", "counter",
              "Audio frames the gateway encoded toward the page",
              static_cast<double>(b.audio_frames_encoded), l);
    }
    return m.str();
}

nlohmann::json GatewayControl::health() const {
    nlohmann::json h = {{"status", "ok"},
                        {"call_slots", gateway_.call_slots()},
                        {"call_slots_busy", gateway_.busy_call_slots()},
                        {"sessions", gateway_.active_sessions()}};
    const auto slots = gateway_.registration_slots();
    if (!slots.empty()) {
        size_t registered = 0;
        for (const auto& s : slots) registered += s.state == "registered" ? 1 : 0;
        h["registration_slots"] = slots.size();
        h["registration_slots_registered"] = registered;
        if (registered == 0) {
            h["status"] = "degraded";
            h["reason"] = "no registration slot is registered";
        }
    }
    return h;
}

}  // namespace gateway
