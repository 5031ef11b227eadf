// RFC 4028 session timers, the header logic only: what an INVITE asked for, what we answer, who
// refreshes. The SIP call applies the decision with control-loop timers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sip {

enum class Refresher { Uac, Uas };

struct SessionExpires {
    uint32_t interval = 0;
    std::optional<Refresher> refresher;
};

// "1800;refresher=uac" → {1800, Uac}; nullopt when the value is not a number.
std::optional<SessionExpires> parse_session_expires(std::string_view value);
// "90" or "90;param" → 90
std::optional<uint32_t> parse_min_se(std::string_view value);

// What a request said about timers.
struct SessionTimerRequest {
    std::optional<SessionExpires> session_expires;
    std::optional<uint32_t> min_se;
    bool supports_timer = false;  // "timer" in Supported or Require
};

inline constexpr uint32_t kOurMinSe = 90;  // RFC 4028's lowest allowed Min-SE
// The longest interval we run, whatever the peer's Min-SE or Session-Expires say (the largest
// sip.session_expires): a peer must not be able to switch expiry off with 2^32-1.
inline constexpr uint32_t kMaxSessionInterval = 86400;

struct SessionTimerDecision {
    bool reject_too_small = false;  // answer 422 with "Min-SE: <min_se>"
    uint32_t min_se = kOurMinSe;
    bool active = false;           // a timer runs for this dialog
    uint32_t interval = 0;         // seconds
    bool we_refresh = false;       // we send the refreshes; else we expect them
    std::string response_headers;  // for our 2xx, each ending in CRLF
};

// As the UAS (inbound INVITE, re-INVITE or UPDATE). `our_interval` 0 disables timers.
SessionTimerDecision decide_session_timer(const SessionTimerRequest& request,
                                          uint32_t our_interval);

// When to act: refresh at half the interval; give up on the peer's refresh at
// interval - min(32, interval/3) (RFC 4028 §10).
uint32_t refresh_after_s(uint32_t interval);
uint32_t expire_after_s(uint32_t interval);

}  // namespace sip
