// End to end: baresip calls sip:echo@gateway (the real daemon) and gets its own tone back
// through our decode/encode path; its recording proves the frequency, its call statistics
// prove video frames were decoded.
#include "integration/gateway_fixture.hpp"

#include <cmath>
#include <fstream>
#include <iterator>
#include <vector>

namespace testsupport {
namespace {

struct Wav {
    uint32_t rate = 0;
    uint16_t channels = 0;
    std::vector<int16_t> mono;  // first channel
};

// Minimal RIFF reader for the 16-bit PCM files baresip's sndfile module writes.
std::optional<Wav> read_wav(const std::filesystem::path& path) {
    std::ifstream f(path, std::ios::binary);
    std::vector<char> b((std::istreambuf_iterator<char>(f)), {});
    if (b.size() < 12) return std::nullopt;
    auto u32 = [&](size_t o) {
        return static_cast<uint32_t>(static_cast<uint8_t>(b[o])) |
               static_cast<uint32_t>(static_cast<uint8_t>(b[o + 1])) << 8 |
               static_cast<uint32_t>(static_cast<uint8_t>(b[o + 2])) << 16 |
               static_cast<uint32_t>(static_cast<uint8_t>(b[o + 3])) << 24;
    };
    Wav w;
    size_t off = 12;
    while (off + 8 <= b.size()) {
        const std::string id(&b[off], 4);
        size_t len = u32(off + 4);
        if (id == "fmt " && off + 16 <= b.size()) {
            w.channels = static_cast<uint16_t>(static_cast<uint8_t>(b[off + 10]) |
                                               static_cast<uint8_t>(b[off + 11]) << 8);
            w.rate = u32(off + 12);
        } else if (id == "data") {
            // A recording still being written may carry a 0 or stale length: read to the end.
            len = b.size() - off - 8;
            const size_t frames = len / 2 / std::max<uint16_t>(w.channels, 1);
            for (size_t i = 0; i < frames; ++i) {
                const size_t o = off + 8 + i * 2 * std::max<uint16_t>(w.channels, 1);
                w.mono.push_back(static_cast<int16_t>(static_cast<uint8_t>(b[o]) |
                                                      static_cast<uint8_t>(b[o + 1]) << 8));
            }
            return w;
        }
        off += 8 + len + (len & 1);
    }
    return std::nullopt;
}

std::optional<std::filesystem::path> find_recording(const std::filesystem::path& dir) {
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        const auto name = e.path().filename().string();
        if (name.rfind("dump", 0) == 0 && name.find("-dec.wav") != std::string::npos) {
            return e.path();
        }
    }
    return std::nullopt;
}

double tone_share(const std::vector<int16_t>& x, double hz, double rate) {
    const double c = 2 * std::cos(2 * M_PI * hz / rate);
    double s1 = 0, s2 = 0, energy = 0;
    for (int16_t v : x) {
        const double s = v + c * s1 - s2;
        s2 = s1;
        s1 = s;
        energy += static_cast<double>(v) * v;
    }
    if (energy <= 0) return 0;
    return (s1 * s1 + s2 * s2 - c * s1 * s2) / (energy * static_cast<double>(x.size()) / 2);
}

class EchoRoomE2e : public GatewayTest {
protected:
    void call_echo(const std::string& audio, const std::string& video);
};

void EchoRoomE2e::call_echo(const std::string& audio, const std::string& video) {
    GatewayOptions go;
    go.extra_toml =
        "[media]\nvideo_width = 320\nvideo_height = 240\nvideo_fps = 15\n"
        "video_bitrate_kbps = 400\n";
    auto& gw = start_gateway(go);
    BaresipOptions o = plain_peer("caller", "alice");
    o.tone_hz = 1000;
    o.audio_codecs = audio;
    o.video_codecs = video;
    auto& caller = start_peer(o);
    ASSERT_TRUE(caller.dial(gw.uri("echo")));
    ASSERT_TRUE(caller.wait_established(std::chrono::seconds(20)));
    std::optional<Wav> wav;
    const bool enough = wait_until(
        [&] {
            auto path = find_recording(caller.config_dir());
            if (!path) return false;
            wav = read_wav(*path);
            return wav && wav->rate > 0 && wav->mono.size() >= wav->rate * 4;
        },
        std::chrono::seconds(30), std::chrono::milliseconds(250));
    ASSERT_TRUE(enough) << "no 4 s recording of the echoed audio";
    // The last second: the tone we sent, loud enough that silence fails.
    std::vector<int16_t> tail(wav->mono.end() - wav->rate, wav->mono.end());
    double e = 0;
    for (int16_t v : tail) e += static_cast<double>(v) * v;
    EXPECT_GT(std::sqrt(e / static_cast<double>(tail.size())), 300.0) << "echo is silent";
    EXPECT_GT(tone_share(tail, 1000, wav->rate), 0.5) << "echo is not the 1000 Hz tone";
    // baresip decoded our video: at the size we encode (its camera sends 352x288).
    EXPECT_TRUE(caller.program().wait_for_log(
        std::regex("video: receiving with resolution 320 x 240"), std::chrono::seconds(10)));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("video echo " + video + " 320x240"),
                                          std::chrono::seconds(5)));
    ASSERT_TRUE(caller.ctrl().command("hangup"));
    EXPECT_TRUE(caller.wait_closed(std::chrono::seconds(10)));
}

// baresip offers H.264 with packetization-mode=0 only.
TEST_F(EchoRoomE2e, BaresipH264Mode0AndPcmu) {
    call_echo("PCMU", "H264");
}
TEST_F(EchoRoomE2e, BaresipVp8AndOpus) {
    call_echo("opus/48000/2", "VP8");
}
TEST_F(EchoRoomE2e, BaresipVp8AndG722) {
    call_echo("G722", "VP8");
}

}  // namespace
}  // namespace testsupport

namespace testsupport {
namespace {

using MediaTimeoutE2e = GatewayTest;

// A caller that sends no RTP is hung up by the gateway with BYE, and the log says why.
TEST_F(MediaTimeoutE2e, SilentCallerGetsBye) {
    GatewayOptions go;
    go.extra_toml = "[media]\nmedia_timeout_s = 2\n";
    auto& gw = start_gateway(go);
    auto run = sipp(scenario("media_timeout_bye.xml", gw.target(), "echo"));
    EXPECT_EQ(run.exit_code, 0) << run.log << run.errors;
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("media timeout: no RTP for 2 s"),
                                          std::chrono::seconds(5)));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("gateway: sess=\\S+ ended"),
                                          std::chrono::seconds(10)));
}

}  // namespace
}  // namespace testsupport
