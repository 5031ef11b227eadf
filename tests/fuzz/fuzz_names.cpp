// Names and rooms from callers: the request-URI/To user parts that choose a room and a service
// (gateway::ServiceRoutes::route, parse_room), the From display name and the display-name
// template (services::display_name_for), and the text helpers every peer string goes through
// (core::clean_name, to_utf8, log_field). The input is fields separated by NUL bytes: user,
// request host, To host, display name, From user, From URI, template.
#include "core/text.hpp"
#include "fuzz_support.hpp"
#include "gateway/room.hpp"
#include "gateway/service_routes.hpp"
#include "services/display_name.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

bool is_room_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

size_t code_points(std::string_view utf8) {
    size_t n = 0;
    for (const char c : utf8)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
    return n;
}

bool has_control(std::string_view utf8) {
    for (size_t i = 0; i < utf8.size(); ++i) {
        const auto c = static_cast<unsigned char>(utf8[i]);
        if (c < 0x20 || c == 0x7F) return true;
        // C1 controls are U+0080-U+009F: C2 80 - C2 9F in UTF-8.
        if (c == 0xC2 && i + 1 < utf8.size() && static_cast<unsigned char>(utf8[i + 1]) < 0xA0)
            return true;
    }
    return false;
}

void check_name(const std::string& name, size_t max_chars) {
    fuzz::require(core::is_valid_utf8(name), "a cleaned name is UTF-8");
    fuzz::require(code_points(name) <= max_chars, "a cleaned name is within its length");
    fuzz::require(!has_control(name), "a cleaned name has no control characters");
}

const gateway::ServiceRoutes& routes() {
    static const gateway::ServiceRoutes r = [] {
        core::ServiceConfig janus;
        janus.name = "janus";
        janus.is_default = true;
        core::ServiceConfig bbb;
        bbb.name = "bbb";
        bbb.kind = "bigbluebutton";
        bbb.prefix = "bbb";
        bbb.domains = {"bbb.example.org"};
        bbb.ivr_digit = "2";
        core::ServiceConfig jitsi;
        jitsi.name = "jitsi";
        jitsi.prefix = "JM";
        jitsi.domains = {"meet.example.org", "jitsi.example.org"};
        return gateway::ServiceRoutes({janus, bbb, jitsi});
    }();
    return r;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fuzz::quiet_logs();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::array<std::string_view, 7> f{};
    std::string_view rest(reinterpret_cast<const char*>(data), size);
    for (auto& field : f) {
        const auto nul = rest.find('\0');
        field = rest.substr(0, nul);
        rest = nul == std::string_view::npos ? std::string_view{} : rest.substr(nul + 1);
    }
    const auto& [user, request_host, to_host, display, from_user, from_uri, name_template] = f;

    const std::string chosen =
        gateway::room_user(std::string(user), std::string(to_host), !request_host.empty());
    if (auto room = routes().route(chosen, request_host, to_host)) {
        if (room->kind == gateway::RoomKind::Named) {
            fuzz::require(!room->name.empty() && room->name.size() <= 128,
                          "a room name has 1-128 characters");
            for (const char c : room->name)
                fuzz::require(is_room_char(c), "a room name holds only A-Z a-z 0-9 . _ -");
        } else {
            fuzz::require(room->name.empty(), "the IVR and echo rooms have no name");
        }
        fuzz::require(room->service.empty() || routes().find(room->service) != nullptr,
                      "a routed call's service is a configured one");
    }

    services::CallerIdentity caller;
    caller.display_name = std::string(display);
    caller.user = std::string(from_user);
    caller.from_uri = std::string(from_uri);
    caller.room = std::string(user);
    const std::string shown = services::display_name_for(caller, name_template);
    check_name(shown, 64);
    fuzz::require(!shown.empty(), "a caller always has a name");

    check_name(core::clean_name(rest, 16), 16);
    fuzz::require(core::is_valid_utf8(core::to_utf8(rest)), "to_utf8 gives UTF-8");
    if (core::is_valid_utf8(rest))
        fuzz::require(core::to_utf8(rest) == rest, "to_utf8 keeps valid UTF-8 as it is");
    const std::string logged = core::log_field(rest, 64);
    fuzz::require(core::is_valid_utf8(logged), "a log field is UTF-8");
    for (size_t i = 0; i < logged.size(); ++i)
        if (logged[i] == '"')
            fuzz::require(i > 0 && logged[i - 1] == '\\', "a log field escapes quotes");
    fuzz::require(logged.find_first_of("\r\n") == std::string::npos,
                  "a log field has no line break");
    return 0;
}
