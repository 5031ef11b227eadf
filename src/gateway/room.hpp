// Which room a call wants, from the request-URI user part (DESIGN.md §8).
#pragma once

#include "core/result.hpp"

#include <string>
#include <string_view>

namespace gateway {

enum class RoomKind { Named, Ivr, Echo };

struct Room {
    RoomKind kind = RoomKind::Ivr;
    std::string name;  // the meeting room for Named; empty otherwise
    // The service ([[services]] name) the call chose, by room prefix, dialled domain, the API
    // or the IVR menu; empty: none yet (the default service, or the IVR asks).
    std::string service;
};

// "" or "0" → IVR, "echo" → the self-test room, [A-Za-z0-9._-]{1,128} → that room; anything
// else is an error (the caller answers 404).
core::Result<Room> parse_room(std::string_view user);

const char* room_kind_name(RoomKind kind);

// The user part that names the room. Through Kamailio the request-URI is rewritten to a
// registration slot's contact ("gw.1") and the dialled "sip:<room>@domain" stays in To; a To
// naming the slot itself means no room (IVR).
std::string room_user(const std::string& request_user, const std::string& to_user,
                      bool request_user_is_slot);

}  // namespace gateway
