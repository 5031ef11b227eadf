// A call slot held for a call that has not arrived yet (the reference launcher's
// `GET /sipmediagw`): it counts as busy until the call comes or the timeout frees it.
#pragma once

#include "core/control_loop.hpp"
#include "gateway/room.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace gateway {

struct ReservationView {
    std::string id;  // the session id the call will get
    std::string room_kind;
    std::string room;
    std::string uri;   // what the caller dials
    std::string slot;  // registration slot user, or empty
    std::string from;  // who the launcher said will call (informational)
    uint32_t expires_in_s = 0;
    std::string service;  // chosen by the launcher; empty: the call's own choice or the default
    std::string display_name;  // the API's name for the caller in the meeting; empty: from SIP
};

struct Reservation {
    std::string id;
    Room room;
    std::optional<size_t> slot;
    std::string uri;
    std::string from;
    std::string display_name;    // overrides the name derived from the SIP From when not empty
    uint64_t expires_at_ms = 0;  // tmr_jiffies() clock
    core::Timer expiry;
};

}  // namespace gateway
