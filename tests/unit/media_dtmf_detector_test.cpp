#include "media/dtmf_detector.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

std::vector<uint8_t> event(uint8_t code, bool end, uint16_t duration) {
    return {code, static_cast<uint8_t>((end ? 0x80 : 0) | 10), static_cast<uint8_t>(duration >> 8),
            static_cast<uint8_t>(duration)};
}

std::string feed(media::DtmfDetector& d, uint32_t ts, uint8_t code, bool end, uint16_t dur,
                 int64_t now_ms = 0) {
    auto p = event(code, end, dur);
    auto c = d.on_packet(ts, p.data(), p.size(), now_ms);
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
    EXPECT_FALSE(d.on_packet(1, p, sizeof p, 0).has_value());
}

// RFC 4733 §2.5.1.2: the timestamp names the event; a sender flipping the event code inside one
// press is not typing, and each flip used to be a digit (one control-thread event each).
TEST(MediaDtmfDetector, ChangingEventCodesWithinOnePressAreOneDigit) {
    media::DtmfDetector d;
    std::string out;
    for (int i = 0; i < 1000; ++i)
        out += feed(d, 7000, static_cast<uint8_t>(i % 10), i % 3 == 0, 160);
    EXPECT_EQ(out, "0");
}

TEST(MediaDtmfDetector, LatePacketOfAnEarlierPressIsNotANewDigit) {
    media::DtmfDetector d;
    std::string out = feed(d, 1000, 1, false, 160) + feed(d, 2000, 2, false, 160) +
                      feed(d, 1000, 1, true, 800) + feed(d, 2000, 2, true, 800);
    EXPECT_EQ(out, "12");
}

TEST(MediaDtmfDetector, FloodWithNewTimestampsIsBoundedAndCounted) {
    media::DtmfDetector d;
    size_t digits = 0;
    // 20,000 packets in 2 s of (simulated) time, each a "new press" with another digit.
    for (uint32_t i = 0; i < 20000; ++i) {
        digits += feed(d, 100 + i, static_cast<uint8_t>(i % 12), false, 160, i / 10).size();
    }
    const size_t bound = media::DtmfDetector::kBurst + 2 * media::DtmfDetector::kPerSecond + 1;
    EXPECT_LE(digits, bound);
    EXPECT_GE(digits, media::DtmfDetector::kBurst);
    EXPECT_EQ(d.dropped(), 20000 - digits);
}

TEST(MediaDtmfDetector, RateLimitRecoversForAHumanPace) {
    media::DtmfDetector d;
    for (uint32_t i = 0; i < 100; ++i) (void)feed(d, 10 + i, 1, false, 160, 0);
    EXPECT_EQ(feed(d, 500, 5, false, 160, 0), "");      // bucket empty
    EXPECT_EQ(feed(d, 600, 7, false, 160, 1000), "7");  // one second later
    // Ten presses at 150 ms apart (faster than people type) all pass once refilled.
    std::string out;
    for (uint32_t i = 0; i < 10; ++i)
        out += feed(d, 10000 + i * 800, 3, false, 160, 10000 + static_cast<int64_t>(i) * 150);
    EXPECT_EQ(out, "3333333333");
}

}  // namespace
