// SIP INFO bodies the gateway understands: DTMF (application/dtmf-relay, application/dtmf) and
// keyframe requests (application/media_control+xml picture_fast_update, RFC 5168).
#pragma once

#include "core/result.hpp"

#include <cstdint>
#include <string_view>
#include <variant>

namespace sip {

struct DtmfKey {
    char digit = 0;            // 0-9, *, #, A-D
    uint32_t duration_ms = 0;  // 0 when the body gives none
};

struct KeyframeRequest {};

using InfoEvent = std::variant<DtmfKey, KeyframeRequest>;

// content_type without parameters is enough ("application/dtmf-relay"); case is ignored.
core::Result<InfoEvent> parse_info_body(std::string_view content_type, std::string_view body);

}  // namespace sip
