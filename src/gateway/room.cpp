#include "gateway/room.hpp"

#include <algorithm>

namespace gateway {

core::Result<Room> parse_room(std::string_view user) {
    if (user.empty() || user == "0") return Room{RoomKind::Ivr, {}};
    if (user == "echo") return Room{RoomKind::Echo, {}};
    if (user.size() > 128) return core::fail("room name longer than 128 characters");
    const bool ok = std::all_of(user.begin(), user.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-';
    });
    if (!ok) return core::fail("room name may only hold A-Z a-z 0-9 . _ -");
    return Room{RoomKind::Named, std::string(user)};
}

std::string room_user(const std::string& request_user, const std::string& to_user,
                      bool request_user_is_slot) {
    if (!request_user_is_slot) return request_user;
    return to_user == request_user ? std::string() : to_user;
}

const char* room_kind_name(RoomKind kind) {
    switch (kind) {
        case RoomKind::Named:
            return "room";
        case RoomKind::Echo:
            return "echo";
        default:
            return "ivr";
    }
}

}  // namespace gateway
