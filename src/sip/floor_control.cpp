#include "sip/floor_control.hpp"

#include <algorithm>

namespace sip {

const char* floor_request_state_name(FloorRequestState s) {
    switch (s) {
        case FloorRequestState::Pending:
            return "pending";
        case FloorRequestState::Accepted:
            return "accepted";
        case FloorRequestState::Granted:
            return "granted";
        case FloorRequestState::Denied:
            return "denied";
        case FloorRequestState::Cancelled:
            return "cancelled";
        case FloorRequestState::Released:
            return "released";
        case FloorRequestState::Revoked:
            return "revoked";
    }
    return "unknown";
}

FloorAnswer FloorControl::request(std::span<const uint16_t> floors) {
    FloorAnswer a;
    // §13.1.1: a request names at least one floor, and every floor it names must exist.
    if (floors.empty() || std::ranges::any_of(floors, [&](uint16_t f) { return f != floor_id_; })) {
        a.error = FloorError::InvalidFloorId;
        return a;
    }
    a.request_id = next_id();
    // Pending first, then Granted: endpoints (Poly, Cisco) show "sharing" on the grant only,
    // and some wait for a Pending before they accept a Granted.
    a.states = {FloorRequestState::Pending, FloorRequestState::Granted};
    granted_ = a.request_id;
    // The latest sharer wins: the meeting's share leaves the content line to the room, and
    // comes back when the room stops (gateway_wants_ stays).
    gateway_granted_.reset();
    return a;
}

uint16_t FloorControl::next_id() {
    // Ids of the room's requests and the gateway's share one counter: a FloorStatus names
    // either, and a room must never see one id for two requests.
    const uint16_t id = next_request_id_++;
    if (next_request_id_ == 0) next_request_id_ = 1;  // 0 is no request id
    return id;
}

void FloorControl::gateway_resume() {
    if (gateway_wants_ && !granted_ && !gateway_granted_) gateway_granted_ = next_id();
}

std::optional<FloorAnswer> FloorControl::gateway_take() {
    gateway_wants_ = true;
    if (gateway_granted_) return std::nullopt;
    std::optional<FloorAnswer> ended;
    if (granted_) {
        ended.emplace();
        ended->request_id = *granted_;
        ended->states = {FloorRequestState::Revoked};
        granted_.reset();
    }
    gateway_granted_ = next_id();
    return ended;
}

void FloorControl::gateway_release() {
    gateway_wants_ = false;
    gateway_granted_.reset();
}

FloorAnswer FloorControl::release(uint16_t request_id) {
    FloorAnswer a;
    if (!granted_ || *granted_ != request_id) {
        a.error = FloorError::FloorRequestIdDoesNotExist;
        return a;
    }
    a.request_id = request_id;
    a.states = {FloorRequestState::Released};
    granted_.reset();
    gateway_resume();
    return a;
}

std::optional<FloorAnswer> FloorControl::revoke() {
    if (!granted_) return std::nullopt;
    FloorAnswer a;
    a.request_id = *granted_;
    a.states = {FloorRequestState::Revoked};
    granted_.reset();
    gateway_resume();
    return a;
}

std::optional<FloorAnswer> FloorControl::set_floor_id(uint16_t floor_id) {
    if (floor_id == floor_id_) return std::nullopt;
    auto ended = revoke();
    floor_id_ = floor_id;
    return ended;
}

}  // namespace sip
