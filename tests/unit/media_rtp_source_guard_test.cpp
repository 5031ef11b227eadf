#include "media/rtp_source_guard.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

using media::PacketSource;
using media::RtpSourceGuard;

const PacketSource kSdp{"192.0.2.10", 4000};
const PacketSource kSdpRtcp{"192.0.2.10", 4001};
const PacketSource kNat{"198.51.100.7", 31000};
const PacketSource kAttacker{"203.0.113.66", 5555};

std::vector<uint8_t> rtp(uint8_t pt, uint16_t seq, uint32_t ssrc = 0x1234) {
    return {0x80,
            pt,
            static_cast<uint8_t>(seq >> 8),
            static_cast<uint8_t>(seq),
            0,
            0,
            0,
            0,
            static_cast<uint8_t>(ssrc >> 24),
            static_cast<uint8_t>(ssrc >> 16),
            static_cast<uint8_t>(ssrc >> 8),
            static_cast<uint8_t>(ssrc),
            0xd5,
            0xd5};
}

std::vector<uint8_t> rtcp_rr() {
    return {0x80, 201, 0, 1, 0, 0, 0x12, 0x34};  // RR, no report blocks
}

RtpSourceGuard::Verdict send(RtpSourceGuard& g, const PacketSource& from,
                             const std::vector<uint8_t>& p, int64_t now = 0) {
    return g.on_rtp(from, p.data(), p.size(), now);
}

RtpSourceGuard guard() {
    RtpSourceGuard g;
    g.expect(kSdp, kSdpRtcp, {0, 101});
    return g;
}

TEST(MediaRtpSourceGuard, HeaderValidation) {
    auto p = rtp(0, 1);
    EXPECT_TRUE(media::valid_rtp(p.data(), p.size()));
    EXPECT_FALSE(media::valid_rtp(p.data(), 11));
    p[0] = 0x40;  // version 1
    EXPECT_FALSE(media::valid_rtp(p.data(), p.size()));
    p = rtp(0, 1);
    p[0] = 0x8f;  // 15 CSRCs announced, none present
    EXPECT_FALSE(media::valid_rtp(p.data(), p.size()));
    p = rtp(0, 1);
    p[0] = 0x90;  // extension announced, not present
    EXPECT_FALSE(media::valid_rtp(p.data(), p.size()));
    p = rtp(0, 1);
    p[0] = 0xa0;  // padding longer than the packet
    p.back() = 200;
    EXPECT_FALSE(media::valid_rtp(p.data(), p.size()));
    auto r = rtcp_rr();
    EXPECT_TRUE(media::valid_rtcp(r.data(), r.size()));
    r[3] = 5;  // length beyond the datagram
    EXPECT_FALSE(media::valid_rtcp(r.data(), r.size()));
    EXPECT_FALSE(media::valid_rtp(rtcp_rr().data(), rtcp_rr().size()));
}

TEST(MediaRtpSourceGuard, SdpAddressIsAcceptedAtOnce) {
    auto g = guard();
    const auto v = send(g, kSdp, rtp(0, 1));
    EXPECT_TRUE(v.accept);
    ASSERT_TRUE(v.send_to.has_value());
    EXPECT_EQ(*v.send_to, kSdp);
}

// RTP-Bleed: the first datagram from anyone used to become our send destination.
TEST(MediaRtpSourceGuard, GarbageAndOneOffPacketsNeverLatch) {
    auto g = guard();
    const std::vector<uint8_t> garbage{0x01};
    EXPECT_FALSE(send(g, kAttacker, garbage).accept);
    EXPECT_FALSE(send(g, kAttacker, rtp(96, 1)).accept);  // not a negotiated payload type
    EXPECT_FALSE(send(g, kAttacker, rtp(0, 1)).send_to.has_value());
    EXPECT_FALSE(send(g, kAttacker, rtp(0, 7)).accept);  // not in sequence
    EXPECT_FALSE(g.bound_rtp().has_value());
    EXPECT_GE(g.strays(), 2u);
}

TEST(MediaRtpSourceGuard, NatedPeerIsLearnedFromPacketsInSequence) {
    auto g = guard();
    // The packets before the binding are marked as learning (the stream keeps them: a NATed
    // H.264 sender's first packets are its SPS and PPS), not as strays.
    for (uint16_t seq : {100, 101}) {
        const auto v = send(g, kNat, rtp(0, seq));
        EXPECT_FALSE(v.accept);
        EXPECT_TRUE(v.learning);
        EXPECT_FALSE(v.learned);
    }
    EXPECT_EQ(g.strays(), 0u);
    const auto v = send(g, kNat, rtp(0, 102));
    EXPECT_TRUE(v.accept);
    EXPECT_TRUE(v.learned);
    EXPECT_FALSE(v.learning);
    ASSERT_TRUE(v.send_to.has_value());
    EXPECT_EQ(*v.send_to, kNat);
    EXPECT_FALSE(send(g, kNat, rtp(0, 103)).learned);  // bound already
    EXPECT_TRUE(send(g, kNat, rtp(101, 103)).accept);  // telephone-event from the same peer
}

// An intruder interleaving packets (or spraying from many ports) must not keep the NATed peer
// from being learned.
TEST(MediaRtpSourceGuard, InterleavedSprayDoesNotStopLearning) {
    auto g = guard();
    std::optional<PacketSource> bound;
    uint16_t port = 20000;
    for (uint16_t s = 0; s < 3; ++s) {
        for (int i = 0; i < 20; ++i) {
            (void)send(g, kAttacker, rtp(0, static_cast<uint16_t>(s * 7 + i * 3)));
            (void)send(g, {kAttacker.host, port++}, rtp(0, 1));
        }
        const auto v = send(g, kNat, rtp(0, static_cast<uint16_t>(500 + s)));
        if (v.send_to) bound = v.send_to;
    }
    ASSERT_TRUE(bound.has_value());
    EXPECT_EQ(*bound, kNat);
}

TEST(MediaRtpSourceGuard, EstablishedStreamCannotBeTakenOver) {
    auto g = guard();
    for (uint16_t s = 0; s < 3; ++s) (void)send(g, kNat, rtp(0, s), 10);
    const uint64_t before = g.strays();
    for (uint16_t s = 0; s < 1000; ++s) {
        const auto v = send(g, kAttacker, rtp(0, s, 0x9999), 20 + s / 100);
        EXPECT_FALSE(v.accept);
        EXPECT_FALSE(v.send_to.has_value());
    }
    EXPECT_EQ(g.strays(), before + 1000);
    EXPECT_EQ(*g.bound_rtp(), kNat);
    EXPECT_TRUE(send(g, kNat, rtp(0, 3), 30).accept);
}

TEST(MediaRtpSourceGuard, SdpAddressKeepsPriority) {
    auto g = guard();
    for (uint16_t s = 0; s < 3; ++s) (void)send(g, kNat, rtp(0, s));
    const auto v = send(g, kSdp, rtp(0, 50));
    EXPECT_TRUE(v.accept);
    ASSERT_TRUE(v.send_to.has_value());
    EXPECT_EQ(*v.send_to, kSdp);
}

TEST(MediaRtpSourceGuard, SilentSourceCanBeRelearned) {
    auto g = guard();
    for (uint16_t s = 0; s < 3; ++s) (void)send(g, kNat, rtp(0, s), 0);
    const PacketSource rebound{"198.51.100.7", 31002};  // the NAT gave the peer a new port
    for (uint16_t s = 10; s < 13; ++s) EXPECT_FALSE(send(g, rebound, rtp(0, s), 1000).accept);
    std::optional<PacketSource> moved;
    for (uint16_t s = 20; s < 23; ++s) {
        const auto v = send(g, rebound, rtp(0, s), RtpSourceGuard::kRelearnMs + 100);
        if (v.send_to) moved = v.send_to;
    }
    ASSERT_TRUE(moved.has_value());
    EXPECT_EQ(*moved, rebound);
}

TEST(MediaRtpSourceGuard, RtcpOnlyFromThePeer) {
    auto g = guard();
    const auto rr = rtcp_rr();
    EXPECT_FALSE(g.on_rtcp(kAttacker, rr.data(), rr.size(), false, 0).accept);
    EXPECT_TRUE(g.on_rtcp(kSdpRtcp, rr.data(), rr.size(), false, 0).accept);
    EXPECT_FALSE(g.on_rtcp(kAttacker, rr.data(), rr.size(), true, 0).accept);
    EXPECT_TRUE(g.on_rtcp(kSdp, rr.data(), rr.size(), true, 0).accept);

    auto nat = guard();
    for (uint16_t s = 0; s < 3; ++s) (void)send(nat, kNat, rtp(0, s));
    // Same host, another port, a stream the peer does not send: someone else on that host.
    auto foreign = rtcp_rr();
    foreign[7] = 0x99;
    EXPECT_FALSE(nat.on_rtcp({kNat.host, 31005}, foreign.data(), foreign.size(), false, 0).accept);
    const PacketSource nat_rtcp{kNat.host, 31001};
    const auto v = nat.on_rtcp(nat_rtcp, rr.data(), rr.size(), false, 0);
    EXPECT_TRUE(v.accept);
    ASSERT_TRUE(v.send_to.has_value());
    EXPECT_EQ(*v.send_to, nat_rtcp);
    EXPECT_FALSE(nat.on_rtcp({kNat.host, 40000}, rr.data(), rr.size(), false, 0).accept);
}

TEST(MediaRtpSourceGuard, ReinviteForgetsTheBoundSource) {
    auto g = guard();
    for (uint16_t s = 0; s < 3; ++s) (void)send(g, kNat, rtp(0, s));
    g.expect({"192.0.2.99", 6000}, {"192.0.2.99", 6001}, {8});
    EXPECT_FALSE(g.bound_rtp().has_value());
    EXPECT_FALSE(send(g, kNat, rtp(0, 3)).accept);  // PT 0 is no longer negotiated
}

}  // namespace
