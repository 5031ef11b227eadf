// BFCP over a stream (issue 14): messages cut out of TCP/TLS bytes by their header's length,
// however the bytes arrive; a stream that is not BFCP is refused, not buffered.
#include "sip/bfcp_framing.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace {

using sip::BfcpStreamFramer;

// A version-1 message header announcing `words` 4-octet words of payload, then the payload.
std::vector<uint8_t> message(uint8_t primitive, uint16_t words, uint8_t version = 1) {
    std::vector<uint8_t> m{static_cast<uint8_t>(version << 5),
                           primitive,
                           static_cast<uint8_t>(words >> 8),
                           static_cast<uint8_t>(words),
                           0,
                           0,
                           0,
                           1,
                           0,
                           7,
                           0,
                           2};
    m.resize(m.size() + 4u * words, 0xab);
    return m;
}

TEST(BfcpFraming, MessagesSplitAnywhereComeOutWhole) {
    const auto a = message(1, 2);
    const auto b = message(11, 0);
    std::vector<uint8_t> stream = a;
    stream.insert(stream.end(), b.begin(), b.end());
    for (size_t cut = 0; cut <= stream.size(); ++cut) {
        BfcpStreamFramer f;
        std::vector<std::vector<uint8_t>> out;
        std::vector<uint8_t> frame;
        for (auto part : {std::span<const uint8_t>(stream.data(), cut),
                          std::span<const uint8_t>(stream.data() + cut, stream.size() - cut)}) {
            f.append(part);
            while (f.next(frame) == BfcpStreamFramer::Status::Frame) out.push_back(frame);
        }
        ASSERT_EQ(out.size(), 2u) << "cut at " << cut;
        EXPECT_EQ(out[0], a);
        EXPECT_EQ(out[1], b);
        EXPECT_EQ(f.buffered(), 0u);
    }
}

TEST(BfcpFraming, IncompleteMessageWaits) {
    BfcpStreamFramer f;
    const auto a = message(1, 1);
    f.append({a.data(), a.size() - 1});
    std::vector<uint8_t> frame;
    EXPECT_EQ(f.next(frame), BfcpStreamFramer::Status::NeedMore);
    EXPECT_EQ(f.buffered(), a.size() - 1);
}

TEST(BfcpFraming, VersionsOtherThanOneAndTwoAreRefused) {
    for (uint8_t version : {0, 3, 7}) {
        BfcpStreamFramer f;
        f.append(message(1, 0, version));
        std::vector<uint8_t> frame;
        EXPECT_EQ(f.next(frame), BfcpStreamFramer::Status::Invalid);
        EXPECT_NE(f.why().find("version"), std::string::npos);
        EXPECT_EQ(f.buffered(), 0u);
    }
    BfcpStreamFramer f;
    f.append(message(1, 0, 2));
    std::vector<uint8_t> frame;
    EXPECT_EQ(f.next(frame), BfcpStreamFramer::Status::Frame);
}

// The size limit is decided from the header alone: nothing past it is ever buffered.
TEST(BfcpFraming, MessagesPastTheLimitAreRefusedFromTheHeader) {
    constexpr uint16_t at_limit = (BfcpStreamFramer::kMaxMessage - 12) / 4;
    BfcpStreamFramer ok;
    ok.append(message(1, at_limit));
    std::vector<uint8_t> frame;
    EXPECT_EQ(ok.next(frame), BfcpStreamFramer::Status::Frame);
    EXPECT_EQ(frame.size(), BfcpStreamFramer::kMaxMessage);

    BfcpStreamFramer big;
    const auto header = message(1, 0xffff);
    big.append({header.data(), 12});
    EXPECT_EQ(big.next(frame), BfcpStreamFramer::Status::Invalid);
    EXPECT_NE(big.why().find("bytes"), std::string::npos);
    EXPECT_EQ(big.buffered(), 0u);
}

}  // namespace
