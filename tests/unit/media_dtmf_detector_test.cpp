#include "media/dtmf_detector.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

std::vector<uint8_t> event(uint8_t code, bool end, uint16_t duration) {
    return {code, static_cast<uint8_t>((end ? 0x80 : 0) | 10), static_cast<uint8_t>(duration >> 8),
            static_cast<uint8_t>(duration)};
}

std::string feed(media::DtmfDetector& d, uint32_t ts, uint8_t code, bool end, uint16_t dur) {
    auto p = event(code, end, dur);
    auto c = d.on_packet(ts, p.data(), p.size());
    return c ? std::string(1, *c) : std::string();
}

TEST(MediaDtmfDetector, OnePressIsOneDigitWhateverItsPacketCount) {
    media::DtmfDetector d;
    std::string out;
    for (uint16_t i = 1; i <= 5; ++i)
        out += feed(d, 1000, 5, false, static_cast<uint16_t>(160 * i));
    for (int i = 0; i < 3; ++i) out += feed(d, 1000, 5, true, 960);  // end sent three times
    EXPECT_EQ(out, "5");
}

TEST(MediaDtmfDetector, RepeatedKeyIsTwoPresses) {
    media::DtmfDetector d;
    std::string out = feed(d, 1000, 1, true, 800) + feed(d, 1000, 1, true, 800) +
                      feed(d, 5000, 1, false, 160) + feed(d, 5000, 1, true, 800);
    EXPECT_EQ(out, "11");
}

TEST(MediaDtmfDetector, LostStartPacketsStillGiveTheDigit) {
    media::DtmfDetector d;
    EXPECT_EQ(feed(d, 42, 11, true, 400) + feed(d, 42, 11, true, 400), "#");
}

TEST(MediaDtmfDetector, DurationUnitsAreIgnored) {
    media::DtmfDetector d;  // 48 kHz durations are six times larger than 8 kHz ones
    EXPECT_EQ(feed(d, 1, 10, false, 60000) + feed(d, 2, 0, false, 1), "*0");
}

TEST(MediaDtmfDetector, EventCodesMapToKeys) {
    EXPECT_EQ(media::dtmf_event_char(0), '0');
    EXPECT_EQ(media::dtmf_event_char(9), '9');
    EXPECT_EQ(media::dtmf_event_char(10), '*');
    EXPECT_EQ(media::dtmf_event_char(11), '#');
    EXPECT_EQ(media::dtmf_event_char(12), 'A');
    EXPECT_EQ(media::dtmf_event_char(15), 'D');
    EXPECT_FALSE(media::dtmf_event_char(16).has_value());  // flash
}

TEST(MediaDtmfDetector, ShortPayloadIsIgnored) {
    media::DtmfDetector d;
    uint8_t p[2] = {1, 0};
    EXPECT_FALSE(d.on_packet(1, p, sizeof p).has_value());
}

}  // namespace
