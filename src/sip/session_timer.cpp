#include "sip/session_timer.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace sip {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

std::optional<uint32_t> leading_number(std::string_view value) {
    value = trim(value.substr(0, value.find(';')));
    uint32_t v = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || p != value.data() + value.size() || value.empty()) return std::nullopt;
    return v;
}

}  // namespace

std::optional<SessionExpires> parse_session_expires(std::string_view value) {
    auto n = leading_number(value);
    if (!n) return std::nullopt;
    SessionExpires se{*n, std::nullopt};
    size_t pos = value.find(';');
    while (pos != std::string_view::npos) {
        size_t next = value.find(';', pos + 1);
        std::string_view param = trim(value.substr(
            pos + 1, next == std::string_view::npos ? std::string_view::npos : next - pos - 1));
        std::string p(param);
        std::transform(p.begin(), p.end(), p.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        if (p == "refresher=uac") se.refresher = Refresher::Uac;
        if (p == "refresher=uas") se.refresher = Refresher::Uas;
        pos = next;
    }
    return se;
}

std::optional<uint32_t> parse_min_se(std::string_view value) {
    return leading_number(value);
}

SessionTimerDecision decide_session_timer(const SessionTimerRequest& req, uint32_t our_interval) {
    SessionTimerDecision d;
    // The peer's Min-SE only raises the interval up to what it asked for itself and to our
    // ceiling, so our answer never exceeds its Session-Expires nor kMaxSessionInterval.
    uint32_t min_se = std::max(kOurMinSe, req.min_se.value_or(0));
    if (req.session_expires)
        min_se = std::min(min_se, std::max(kOurMinSe, req.session_expires->interval));
    min_se = std::min(min_se, kMaxSessionInterval);
    d.min_se = min_se;
    if (req.session_expires && req.session_expires->interval < kOurMinSe) {
        // RFC 4028 §8.1: too small an interval is answered with 422 and our Min-SE.
        d.reject_too_small = true;
        d.min_se = kOurMinSe;
        return d;
    }
    if (our_interval == 0 && !req.session_expires) return d;  // nobody asked for timers
    uint32_t interval = our_interval == 0 ? req.session_expires->interval : our_interval;
    // The UAS may shorten the interval but never below the Min-SE in force.
    if (req.session_expires) interval = std::min(interval, req.session_expires->interval);
    interval = std::min(std::max(interval, min_se), kMaxSessionInterval);
    d.active = true;
    d.interval = interval;
    Refresher refresher = Refresher::Uas;
    if (req.supports_timer) {
        // Let the caller refresh unless it asked otherwise: it knows its own NAT/proxy path.
        refresher = req.session_expires && req.session_expires->refresher
                        ? *req.session_expires->refresher
                        : Refresher::Uac;
        d.response_headers = "Require: timer\r\n";
    }
    d.we_refresh = refresher == Refresher::Uas;
    d.response_headers += "Session-Expires: " + std::to_string(interval) +
                          ";refresher=" + (d.we_refresh ? "uas" : "uac") + "\r\n";
    return d;
}

uint32_t refresh_after_s(uint32_t interval) {
    return std::max<uint32_t>(1, interval / 2);
}

uint32_t expire_after_s(uint32_t interval) {
    return interval - std::min<uint32_t>(32, interval / 3);
}

}  // namespace sip
