// The floor of one call's BFCP conference (RFC 8855 §9), as a state machine without a wire:
// one floor (the content line's), wanted by two sharers: the room (the BFCP client) and the
// gateway itself, for a screen shared in the meeting. The gateway is the floor control server
// and grants at once; when both want it the latest sharer wins, as room systems expect from
// an MCU (Pexip, Cisco, Poly): the other's grant ends Revoked. A meeting share that lost the
// floor to the room takes it back when the room stops, since that share is still running.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace sip {

// RFC 8855 §5.2.5 Request Status values (libre's enum bfcp_reqstat has the same numbers).
enum class FloorRequestState : uint8_t {
    Pending = 1,
    Accepted = 2,
    Granted = 3,
    Denied = 4,
    Cancelled = 5,
    Released = 6,
    Revoked = 7,
};

const char* floor_request_state_name(FloorRequestState s);

// RFC 8855 §5.2.6 Error Codes we answer with (libre's enum bfcp_err).
enum class FloorError : uint8_t {
    ConferenceDoesNotExist = 1,
    UserDoesNotExist = 2,
    UnknownPrimitive = 3,
    InvalidFloorId = 6,
    FloorRequestIdDoesNotExist = 7,
};

// What the server says about one floor request, in the order it must be sent: the first in
// the response, the rest as FloorRequestStatus notifications.
struct FloorAnswer {
    std::optional<FloorError> error;
    uint16_t request_id = 0;
    std::vector<FloorRequestState> states;
};

class FloorControl {
public:
    explicit FloorControl(uint16_t floor_id) : floor_id_(floor_id) {}

    // FloorRequest naming `floors` (RFC 8855 §13.1.1). A room that asks again while it holds
    // the floor gets the new request granted and the old one released: it lost track (a
    // restarted endpoint), not the floor. A room that asks while the gateway holds the floor
    // takes it (the gateway's grant ends, see gateway_holds()).
    FloorAnswer request(std::span<const uint16_t> floors);
    // FloorRelease of a request (§13.1.2): a pending or granted one ends Released; a meeting
    // share that wants the floor gets it back.
    FloorAnswer release(uint16_t request_id);
    // The floor goes away under the room (Goodbye, the BFCP or content line to port 0, the
    // call ends): the grant ends, Revoked; nothing when nothing was held. A meeting share
    // that wants the floor gets it back.
    std::optional<FloorAnswer> revoke();
    // A re-INVITE may name another floor id; a grant of the old one ends with it.
    std::optional<FloorAnswer> set_floor_id(uint16_t floor_id);

    // The meeting shares: the gateway takes the floor under its own request id; a room
    // holding it is revoked (the answer returned, for the room). Taking it again changes
    // nothing.
    std::optional<FloorAnswer> gateway_take();
    // The meeting's share ended: the gateway gives the floor up (and no longer wants it back).
    void gateway_release();

    [[nodiscard]] uint16_t floor_id() const { return floor_id_; }
    [[nodiscard]] bool room_holds() const { return granted_.has_value(); }
    // The request holding the floor for the room, for FloorStatus.
    [[nodiscard]] std::optional<uint16_t> holder() const { return granted_; }
    [[nodiscard]] bool gateway_holds() const { return gateway_granted_.has_value(); }
    // The gateway's own request, while it holds the floor, for FloorStatus.
    [[nodiscard]] std::optional<uint16_t> gateway_request() const { return gateway_granted_; }
    [[nodiscard]] bool gateway_wants() const { return gateway_wants_; }

private:
    uint16_t next_id();
    // The room let go: a meeting share still running takes the floor back.
    void gateway_resume();

    uint16_t floor_id_;
    uint16_t next_request_id_ = 1;
    std::optional<uint16_t> granted_;
    std::optional<uint16_t> gateway_granted_;
    bool gateway_wants_ = false;
};

}  // namespace sip
