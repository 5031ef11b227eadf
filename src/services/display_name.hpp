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
// {room} expanded. Any bytes are accepted: the result is always valid UTF-8 (ISO-8859-1 names
// are decoded as such, see core::to_utf8), control characters are dropped and it is capped at
// 64 characters, since meeting UIs show it verbatim and it goes through JSON to the page.
std::string display_name_for(const CallerIdentity& caller, std::string_view name_template);

}  // namespace services
