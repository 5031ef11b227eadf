#include "media/dtmf_detector.hpp"

namespace media {

std::optional<char> dtmf_event_char(uint8_t event) {
    if (event <= 9) return static_cast<char>('0' + event);
    if (event == 10) return '*';
    if (event == 11) return '#';
    if (event >= 12 && event <= 15) return static_cast<char>('A' + (event - 12));
    return std::nullopt;
}

std::optional<char> DtmfDetector::on_packet(uint32_t rtp_timestamp, const uint8_t* payload,
                                            size_t size) {
    if (payload == nullptr || size < 4) return std::nullopt;
    const uint8_t event = payload[0];
    if (seen_ && rtp_timestamp == last_timestamp_ && event == last_event_) return std::nullopt;
    seen_ = true;
    last_timestamp_ = rtp_timestamp;
    last_event_ = event;
    return dtmf_event_char(event);
}

}  // namespace media
