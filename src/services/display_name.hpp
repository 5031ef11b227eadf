// The name the caller gets in the meeting.
#pragma once

#include <string>
#include <string_view>

namespace services {

struct CallerIdentity {
    std::string display_name;  // SIP From display name, may be empty
    std::string user;          // SIP From user part
    std::string from_uri;      // full From URI
    std::string room;
};

// The From display name when there is one; otherwise the template with {user}, {from} and
// {room} expanded. Control characters are dropped and the result is capped at 64 characters,
// since meeting UIs show it verbatim.
std::string display_name_for(const CallerIdentity& caller, std::string_view name_template);

}  // namespace services
