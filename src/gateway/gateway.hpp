// The gateway process's call side: the SIP user agent, registration slots, admission (call
// slots), the session registry, and the decisions for each new INVITE.
#pragma once

#include "browser/pool.hpp"
#include "core/config.hpp"
#include "core/control_loop.hpp"
#include "core/result.hpp"
#include "gateway/call_session.hpp"
#include "gateway/reservation.hpp"
#include "gateway/service_routes.hpp"
#include "media/engine.hpp"
#include "services/adapter.hpp"
#include "sip/offer_answer.hpp"
#include "sip/proceeding_invite.hpp"
#include "sip/registration.hpp"
#include "sip/session_timer.hpp"
#include "sip/user_agent.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gateway {

// A registration slot as the API and metrics show it.
struct SlotView {
    std::string user;   // "[<prefix>.]<ua_name>.<n>"
    std::string state;  // registering, registered, failed
    bool busy = false;
};

class Gateway {
public:
    static core::Result<std::unique_ptr<Gateway>> create(const core::Config& config,
                                                         core::ControlLoop& loop,
                                                         uint32_t call_slots);
    ~Gateway();
    Gateway(const Gateway&) = delete;
    Gateway& operator=(const Gateway&) = delete;

    // "sipmediagw: ready sip=<transport:addr:port,...> slots=<n>"
    [[nodiscard]] std::string ready_line() const;
    [[nodiscard]] size_t active_sessions() const { return sessions_.size(); }
    [[nodiscard]] std::vector<SessionView> sessions() const;
    [[nodiscard]] std::vector<SlotView> registration_slots() const;
    // The configured services and how calls choose them (the API checks names with it).
    [[nodiscard]] const ServiceRoutes& services() const { return routes_; }

    // Calls `uri` (sip:user@host[:port][;transport=tcp]) for `room`, with digest credentials
    // from [registrar] when the far end asks. Returns the session id; the call shows up in the
    // registry at once and ends like any other.
    core::Result<std::string> dial_out(const std::string& uri, const Room& room,
                                       const std::string& display_name = {});
    // An in-call action in the session's meeting page (sipmediagwAdapter.action): mute, camera,
    // hand, tile, leave. `done` gets the page's JSON answer or why it failed.
    void meeting_action(const std::string& id, services::Action action,
                        std::function<void(core::Result<std::string>)> done);
    // Warm browsers ready to hand out, those still starting, and taken spares whose
    // replacement waits for their call's join (for /metrics).
    struct BrowserPoolView {
        size_t ready = 0;
        size_t starting = 0;
        size_t held = 0;
    };
    [[nodiscard]] BrowserPoolView browser_pool() const;

    // Ends one session with BYE (CANCEL when not answered yet).
    core::Status hangup(const std::string& id, const std::string& cause);

    // Capacity: sessions and reservations both hold a call slot.
    [[nodiscard]] uint32_t call_slots() const { return call_slots_; }
    [[nodiscard]] size_t busy_call_slots() const {
        return sessions_.size() + reservations_.size() + pending_.size();
    }
    // Holds a call slot for the next call to `room` (docs/api.md, the reference launcher call);
    // 503 when every slot is busy. The returned URI is what the caller dials.
    core::Result<ReservationView> reserve(const Room& room, const std::string& from,
                                          uint32_t timeout_s, const std::string& display_name = {});
    [[nodiscard]] std::vector<ReservationView> reservations() const;
    bool cancel_reservation(const std::string& id, const std::string& cause);
    // Calls by how they ended at admission or after: answered, busy, rejected, cancelled (by the
    // caller before the answer, while TURN relays were allocated).
    [[nodiscard]] const std::map<std::string, uint64_t>& calls_total() const {
        return calls_total_;
    }
    [[nodiscard]] std::map<std::string, media::CallMedia::Stats> media_stats() const;
    // The cross-thread queue's drop counter and depth (for /metrics).
    [[nodiscard]] const core::ControlLoop& control_loop() const { return loop_; }
    // The meeting side of each session's media (the link to its page).
    [[nodiscard]] std::map<std::string, media::MeetingBridge::Stats> bridge_stats() const;
    // Sends a DTMF digit into a session as if the caller had typed it (API "dtmf" command).
    core::Status inject_dtmf(const std::string& id, char digit);
    // An in-call action from the API or a key (mute, camera, hand, tile, leave, menu).
    core::Status in_call_action(const std::string& id, const std::string& action);

    // BYE every call, unregister every slot, then run `done` once the SIP stack has finished
    // those transactions (or at once with force).
    void shutdown(bool force, std::function<void()> done);

    struct Key {  // only create() makes one
        explicit Key() = default;
    };
    Gateway(Key, const core::Config& config, core::ControlLoop& loop, uint32_t call_slots);

private:
    void on_invite(const struct sip_msg& msg);
    // The second half of on_invite, once the call's media (and TURN relays) are ready.
    void answer_invite(const struct sip_msg& msg, const std::string& id, const Room& room,
                       std::optional<size_t> slot, const sip::SessionTimerDecision& timer,
                       std::unique_ptr<media::CallMedia> media, const std::string& reservation_id);
    void on_relays_ready(const std::string& id, const core::Status& status);
    void reject(const struct sip_msg& msg, const std::string& id, uint16_t status,
                const std::string& reason, const std::string& why, const std::string& headers = {});
    void reject_busy(const struct sip_msg& msg, const std::string& id, const std::string& why);
    void reject_unavailable(const struct sip_msg& msg, const std::string& id,
                            const std::string& why);
    void end_session(const std::string& id, const std::string& cause);
    void erase_session(const std::string& id);
    sip::CallEvents session_events(const std::string& id);
    media::CallEvents media_events(const std::string& id);
    CallSession* find(const std::string& id);
    std::string new_session_id();
    // The reservation this INVITE fulfils (slot match, else same room); null if none. It is
    // removed only once the call is accepted, so a refused INVITE leaves it for a retry.
    Reservation* matching_reservation(std::optional<size_t> slot, const Room& room);
    void count_call(const std::string& result) { ++calls_total_[result]; }

    core::Config config_;
    core::ControlLoop& loop_;
    uint32_t call_slots_;
    sip::CodecPreferences prefs_;
    std::string media_address_;
    std::unique_ptr<media::Engine> engine_;
    std::unique_ptr<sip::UserAgent> ua_;
    ServiceRoutes routes_;
    services::AdapterRegistry adapters_;  // by service name
    std::unique_ptr<browser::Pool> pool_;
    std::vector<std::unique_ptr<sip::RegistrationSlot>> slots_;
    // What each call gets from here (set up once the members above exist).
    std::unique_ptr<CallContext> call_context_;
    std::map<std::string, std::unique_ptr<CallSession>> sessions_;
    // INVITEs waiting for their TURN allocations. Their transaction answers retransmissions and
    // CANCEL until the INVITE is answered; it must go before any answer does.
    struct PendingInvite {
        core::ReHandle<struct sip_msg> msg;
        std::unique_ptr<sip::ProceedingInvite> transaction;
        Room room;
        std::optional<size_t> slot;
        sip::SessionTimerDecision timer;
        std::unique_ptr<media::CallMedia> media;
        std::string reservation_id;
    };
    std::map<std::string, PendingInvite> pending_;
    std::map<std::string, std::unique_ptr<Reservation>> reservations_;
    std::map<std::string, uint64_t> calls_total_;
    uint64_t counter_ = 0;
    bool shutting_down_ = false;
};

}  // namespace gateway
