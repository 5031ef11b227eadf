// Issue 10: the call's RTP ports are open to anyone. A second source at call start, garbage, an
// SSRC flood and a telephone-event flood must not take the stream, grow the process, or reach
// the control thread unbounded; the call's own media keeps flowing (tone detected).
#include "media/rtp_sockets.hpp"
#include "test_call.hpp"

#include <gtest/gtest.h>

#include <dirent.h>

#include <atomic>
#include <thread>

namespace media_test {
namespace {

constexpr int kDeadlineMs = 30000;

std::vector<uint8_t> rtp_packet(uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc) {
    std::vector<uint8_t> p{0x80, pt, static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq)};
    for (uint32_t v : {ts, ssrc}) {
        for (int shift = 24; shift >= 0; shift -= 8) p.push_back(static_cast<uint8_t>(v >> shift));
    }
    p.resize(p.size() + 160, 0xff);  // 20 ms of PCMU silence
    return p;
}

size_t thread_count() {
    size_t n = 0;
    if (DIR* d = opendir("/proc/self/task")) {
        while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
        closedir(d);
    }
    return n;
}

// Someone else on the network: its own socket, sending to the gateway's ports, counting what
// the gateway sends back to it.
class Intruder {
public:
    Intruder() {
        auto s = media::bind_udp("127.0.0.1", 0);
        EXPECT_TRUE(s.ok());
        if (s.ok()) socket_ = std::move(*s);
        g_socket_set_blocking(socket_.get(), FALSE);
    }
    void send(uint16_t port, const std::vector<uint8_t>& p) {
        media::GObjectPtr<GInetAddress> a(g_inet_address_new_from_string("127.0.0.1"));
        media::GObjectPtr<GSocketAddress> sa(g_inet_socket_address_new(a.get(), port));
        g_socket_send_to(socket_.get(), sa.get(), reinterpret_cast<const gchar*>(p.data()),
                         p.size(), nullptr, nullptr);
    }
    // Datagrams the gateway sent us so far.
    size_t drain() {
        char buf[2048];
        while (g_socket_receive(socket_.get(), buf, sizeof buf, nullptr, nullptr) > 0) ++received_;
        return received_;
    }

private:
    media::GObjectPtr<GSocket> socket_;
    size_t received_ = 0;
};

// RTP-Bleed: garbage and RTP from a second source and port, from before the call starts, while
// the peer's SDP names another port (a NAT): the first datagram used to become our destination.
TEST(HostileRtp, SecondSourceAtCallStartCannotTakeTheStream) {
    Call c(test_config());
    ASSERT_TRUE(c.call);
    FarEnd far({.audio_codec = "PCMU"});
    const auto ports = c.call->local_ports();
    ASSERT_TRUE(far.start(ports).ok());
    auto nm = far.negotiated(ports);
    auto decoy = media::bind_udp("127.0.0.1", 0);  // the SDP's address: nobody sends from it
    ASSERT_TRUE(decoy.ok());
    nm.audio->remote_rtp_port = media::local_port(decoy->get());
    nm.audio->remote_rtcp_port = static_cast<uint16_t>(nm.audio->remote_rtp_port + 1);

    Intruder intruder;
    std::atomic<bool> stop{false};
    std::thread spray([&] {
        uint16_t seq = 0;
        while (!stop) {
            intruder.send(ports.audio_rtp, {0x01});                      // a 1-byte probe
            intruder.send(ports.audio_rtp, {0x00, 0x00, 0x00});          // not RTP
            intruder.send(ports.audio_rtp, rtp_packet(96, seq, 0, 77));  // not negotiated
            intruder.send(ports.audio_rtp, rtp_packet(0, seq, 0, 77));   // out of sequence
            seq = static_cast<uint16_t>(seq + 2);
            intruder.send(ports.audio_rtcp, {0x80, 201, 0, 1, 0, 0, 0, 77});
            std::this_thread::sleep_for(std::chrono::milliseconds(5));  // pacing, not a wait
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // probes queued before start
    ASSERT_TRUE(c.call->start(nm, media::Mode::Echo).ok());
    const bool flowed =
        c.loop.run_until([&] { return far.audio_samples().size() >= 16000 * 2; }, kDeadlineMs);
    stop = true;
    spray.join();
    EXPECT_TRUE(flowed) << "the caller's tone never came back";
    expect_tone(far.audio_samples(), 1000);
    EXPECT_EQ(intruder.drain(), 0u) << "the gateway sent media or RTCP to the intruder";
    EXPECT_GT(c.call->stats().audio->stray_packets, 0u);
}

// 2,000 SSRCs from another source: none reaches rtpbin (each would cost a jitterbuffer and its
// thread), and the call's own tone keeps flowing.
TEST(HostileRtp, SsrcFloodGrowsNothing) {
    Call c(test_config());
    ASSERT_TRUE(c.call);
    FarEnd far({.audio_codec = "PCMU"});
    const auto ports = c.call->local_ports();
    ASSERT_TRUE(far.start(ports).ok());
    ASSERT_TRUE(c.call->start(far.negotiated(ports), media::Mode::Echo).ok());
    ASSERT_TRUE(c.loop.run_until([&] { return far.audio_samples().size() >= 8000; }, kDeadlineMs));
    const size_t threads_before = thread_count();
    Intruder intruder;
    for (uint32_t ssrc = 1; ssrc <= 2000; ++ssrc) {
        // Two in sequence: enough to pass rtpbin's probation.
        for (uint16_t seq = 0; seq < 2; ++seq)
            intruder.send(ports.audio_rtp, rtp_packet(0, seq, seq * 160, 0x10000 + ssrc));
        // Pacing so the socket buffer keeps most of the flood (not a wait for anything).
        if (ssrc % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    // Most of the flood was read (a loaded machine may lose some in the socket buffer).
    const auto strays = [&] { return c.call->stats().audio->stray_packets; };
    ASSERT_TRUE(c.loop.run_until([&] { return strays() >= 2000; }, kDeadlineMs)) << strays();
    const size_t have = far.audio_samples().size();
    ASSERT_TRUE(
        c.loop.run_until([&] { return far.audio_samples().size() >= have + 16000; }, kDeadlineMs));
    expect_tone(far.audio_samples(), 1000);
    // A few threads come and go with the pipeline's own work; thousands would be the flood.
    EXPECT_LE(thread_count(), threads_before + 8);
    EXPECT_EQ(intruder.drain(), 0u);
}

// A telephone-event flood with a new digit and timestamp in every press, from the peer itself:
// the digits that reach the control thread are bounded by the rate limit, the drops counted,
// and the loop keeps running its timers throughout.
void dtmf_flood(media::Mode mode) {
    Call c(test_config());
    ASSERT_TRUE(c.call);
    FarEnd far({.audio_codec = "PCMU"});
    const auto ports = c.call->local_ports();
    ASSERT_TRUE(far.start(ports).ok());
    ASSERT_TRUE(c.call->start(far.negotiated(ports), mode).ok());
    ASSERT_TRUE(c.loop.run_until([&] { return far.audio_samples().size() >= 4000; }, kDeadlineMs));
    const auto started = std::chrono::steady_clock::now();
    std::atomic<bool> done{false};
    std::thread flood([&] {
        uint32_t ts = 1000;
        for (int i = 0; i < 3000; ++i) {
            far.send_dtmf("0123456789*#"[i % 12], ts);  // 7 packets a press
            ts += 160;
        }
        done = true;
    });
    // The control loop keeps turning while the flood arrives: run_until polls on a timer.
    int ticks = 0;
    const bool finished = c.loop.run_until(
        [&] {
            ++ticks;
            return done.load();
        },
        120000);
    flood.join();
    ASSERT_TRUE(finished);
    const auto stats = [&] { return *c.call->stats().audio; };
    // Let the last packets be read (the socket may have lost some of the flood), then judge.
    const size_t have = far.audio_samples().size();
    ASSERT_TRUE(
        c.loop.run_until([&] { return far.audio_samples().size() >= have + 8000; }, kDeadlineMs));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const auto bound = static_cast<size_t>(media::DtmfDetector::kBurst +
                                           media::DtmfDetector::kPerSecond * (seconds + 1));
    EXPECT_LE(c.digits.size(), bound);
    EXPECT_GE(c.digits.size(), 1u);
    EXPECT_EQ(stats().dtmf_events, c.digits.size());
    EXPECT_GT(stats().dtmf_dropped, 0u);
    EXPECT_GT(ticks, 1);
}

TEST(HostileRtp, DtmfFloodDuringIvrIsBounded) {
    dtmf_flood(media::Mode::Ivr);
}

TEST(HostileRtp, DtmfFloodDuringEchoIsBounded) {
    dtmf_flood(media::Mode::Echo);
}

}  // namespace
}  // namespace media_test
