// SIP INFO bodies (RFC 2976) the gateway reads: DTMF (application/dtmf-relay,
// application/dtmf) and keyframe requests (application/media_control+xml, RFC 5168). The first
// byte picks the Content-Type (the header a peer sends with the body); the rest is the body.
#include "fuzz_support.hpp"
#include "sip/info_body.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fuzz::quiet_logs();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static constexpr std::array<std::string_view, 6> kTypes{
        "application/dtmf-relay", "application/dtmf", "application/media_control+xml",
        "Application/DTMF-Relay", "text/plain",       "application/media_control+xml; x=1"};
    if (size == 0) return 0;
    const std::string_view type = kTypes[data[0] % kTypes.size()];
    const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
    const auto event = sip::parse_info_body(type, body);
    if (event) {
        if (const auto* key = std::get_if<sip::DtmfKey>(&*event)) {
            const char k = key->digit;
            fuzz::require((k >= '0' && k <= '9') || k == '*' || k == '#' || (k >= 'A' && k <= 'D'),
                          "a DTMF key from INFO is one of 0-9 * # A-D");
        }
    } else {
        fuzz::require(!event.error().message.empty(), "a refused INFO body says why");
    }
    return 0;
}
