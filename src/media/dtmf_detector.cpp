#include "media/dtmf_detector.hpp"

#include <algorithm>

namespace media {

std::optional<char> dtmf_event_char(uint8_t event) {
    if (event <= 9) return static_cast<char>('0' + event);
    if (event == 10) return '*';
    if (event == 11) return '#';
    if (event >= 12 && event <= 15) return static_cast<char>('A' + (event - 12));
    return std::nullopt;
}

void DtmfDetector::reset() {
    recent_count_ = 0;
    recent_next_ = 0;
    tokens_ = kBurst;
    tokens_at_ms_ = -1;
}

bool DtmfDetector::seen(uint32_t timestamp) const {
    return std::find(recent_.begin(), recent_.begin() + static_cast<std::ptrdiff_t>(recent_count_),
                     timestamp) != recent_.begin() + static_cast<std::ptrdiff_t>(recent_count_);
}

bool DtmfDetector::take_token(int64_t now_ms) {
    if (tokens_at_ms_ >= 0 && now_ms > tokens_at_ms_) {
        tokens_ = std::min<double>(
            kBurst, tokens_ + static_cast<double>(now_ms - tokens_at_ms_) * kPerSecond / 1000.0);
    }
    tokens_at_ms_ = now_ms;
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
}

std::optional<char> DtmfDetector::on_packet(uint32_t rtp_timestamp, const uint8_t* payload,
                                            size_t size, int64_t now_ms) {
    if (payload == nullptr || size < 4) return std::nullopt;
    if (seen(rtp_timestamp)) return std::nullopt;
    recent_[recent_next_] = rtp_timestamp;
    recent_next_ = (recent_next_ + 1) % recent_.size();
    recent_count_ = std::min(recent_count_ + 1, recent_.size());
    const auto digit = dtmf_event_char(payload[0]);
    if (!digit) return std::nullopt;
    if (!take_token(now_ms)) {
        ++dropped_;
        return std::nullopt;
    }
    return digit;
}

}  // namespace media
