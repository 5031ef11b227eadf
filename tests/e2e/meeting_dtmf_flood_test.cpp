// Issue 10: an RFC 4733 flood with changing digits from the caller itself (its SDP address, so
// strict RTP lets every packet in) during a meeting call through `sipmediagw demo`. The call
// survives, OPTIONS is answered while the flood arrives, /metrics counts the dropped presses, and
// an in-call key still works afterwards. sipp does the signalling (audio only); the test's own
// socket is the caller's media (PCMU and telephone-event, one RTP stream as a phone sends them).
#include "demo_gateway.hpp"
#include "support/http_client.hpp"
#include "support/sipp.hpp"
#include "support/temp_dir.hpp"
#include "support/udp_socket.hpp"
#include "support/wait.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <future>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

namespace {

using namespace std::chrono_literals;

using testsupport::UdpSocket;

// The caller's audio: PCMU silence every 20 ms (so the media timeout never fires), and on demand
// a flood of key presses, each with its own timestamp and a digit that changes every press.
class KeypadCaller {
public:
    KeypadCaller() = default;
    ~KeypadCaller() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }
    // Starts sending to the gateway's audio address and port (known from its answer).
    void start(const std::string& gateway_address, uint16_t gateway_port) {
        gw_address_ = gateway_address;
        gw_ = gateway_port;
        thread_ = std::thread([this] { run(); });
    }
    KeypadCaller(const KeypadCaller&) = delete;
    KeypadCaller& operator=(const KeypadCaller&) = delete;
    [[nodiscard]] uint16_t port() const { return socket_.port(); }
    void set_flood(bool on) { flood_ = on; }
    // One press of `digit`, after the flood.
    void press(char digit) {
        std::lock_guard lock(mutex_);
        pending_ += digit;
    }
    [[nodiscard]] uint64_t presses_sent() const { return presses_; }

private:
    static uint8_t event_of(char d) {
        if (d >= '0' && d <= '9') return static_cast<uint8_t>(d - '0');
        if (d == '*') return 10;
        if (d == '#') return 11;
        return static_cast<uint8_t>(12 + (d - 'A'));
    }
    std::vector<uint8_t> header(uint8_t pt, bool marker, uint32_t ts) {
        const uint16_t seq = seq_++;
        return {0x80,
                static_cast<uint8_t>((marker ? 0x80 : 0) | pt),
                static_cast<uint8_t>(seq >> 8),
                static_cast<uint8_t>(seq),
                static_cast<uint8_t>(ts >> 24),
                static_cast<uint8_t>(ts >> 16),
                static_cast<uint8_t>(ts >> 8),
                static_cast<uint8_t>(ts),
                0x12,
                0x34,
                0x56,
                0x78};
    }
    // Start packets, then the end packet three times (RFC 4733 2.5.1.4), as phones send them.
    void send_press(char digit) {
        const uint32_t ts = ts_;
        ts_ += 160;
        for (int i = 0; i < 5; ++i) {
            auto p = header(101, i == 0, ts);
            const bool end = i >= 2;
            const uint16_t duration = static_cast<uint16_t>(160 * (i + 1));
            p.insert(p.end(),
                     {event_of(digit), static_cast<uint8_t>((end ? 0x80 : 0) | 10),
                      static_cast<uint8_t>(duration >> 8), static_cast<uint8_t>(duration)});
            socket_.send_to(gw_address_, gw_, p);
        }
        ++presses_;
    }
    void run() {
        // Keys no default in-call action uses ("0" would leave): a flood of actions is not what
        // is tested here, the flood of presses is.
        static constexpr const char kFloodDigits[] = "35789*ABCD";
        size_t next = 0;
        auto due = std::chrono::steady_clock::now();
        while (!stop_) {
            if (flood_) {
                for (int i = 0; i < 20; ++i) send_press(kFloodDigits[next++ % 10]);
            }
            std::string keys;
            {
                std::lock_guard lock(mutex_);
                keys.swap(pending_);
            }
            for (char k : keys) send_press(k);
            if (std::chrono::steady_clock::now() < due) {
                if (!flood_) std::this_thread::sleep_until(due);
                continue;
            }
            due += 20ms;
            auto p = header(0, false, ts_);
            ts_ += 160;
            p.insert(p.end(), 160, 0xFF);  // PCMU silence
            socket_.send_to(gw_address_, gw_, p);
        }
    }

    UdpSocket socket_;
    std::string gw_address_;
    uint16_t gw_ = 0;
    uint16_t seq_ = 1;
    uint32_t ts_ = 8000;
    std::atomic<bool> stop_{false};
    std::atomic<bool> flood_{false};
    std::atomic<uint64_t> presses_{0};
    std::mutex mutex_;
    std::string pending_;
    std::thread thread_;
};

// Sum of one counter over its label sets in a /metrics text; -1 when absent.
double metric_sum(const std::string& text, const std::string& name) {
    double sum = -1;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(name + "{", 0) != 0 && line.rfind(name + " ", 0) != 0) continue;
        sum = (sum < 0 ? 0 : sum) + std::stod(line.substr(line.rfind(' ') + 1));
    }
    return sum;
}

TEST(MeetingDtmfFlood, CallSurvivesOptionsAnsweredDropsCountedKeysStillWork) {
    testsupport::TempDir tmp("meeting-dtmf-flood");
    auto gw = e2e::DemoGateway::start(tmp.path());
    ASSERT_TRUE(gw.ok()) << gw.error().message;
    auto& log = gw->program();

    // The caller's media socket exists before the INVITE names it. If the test stops early, the
    // future waits for sipp, which gives up after its own timeout (within ctest's 300 s).
    KeypadCaller keypad;
    const auto gwport_file = tmp.path() / "gateway-audio-port";
    testsupport::SippOptions call_options;
    call_options.scenario = "rtp_peer_until_bye.xml";
    call_options.target = "127.0.0.1:5060";
    call_options.service = "1234";
    call_options.timeout = 200s;
    call_options.extra_args = {"-key", "audio_port",  std::to_string(keypad.port()),
                               "-key", "gwport_file", gwport_file.string()};
    auto call = std::async(std::launch::async,
                           [&] { return testsupport::run_sipp(tmp.path(), call_options); });
    std::string gw_audio_address;
    uint16_t gw_audio_port = 0;
    ASSERT_TRUE(testsupport::wait_until(
        [&] {
            std::ifstream in(gwport_file);
            int port = 0;
            if (!(in >> gw_audio_address >> port) || port <= 0) return false;
            gw_audio_port = static_cast<uint16_t>(port);
            return true;
        },
        60s))
        << log.tail(40);
    keypad.start(gw_audio_address, gw_audio_port);
    ASSERT_TRUE(log.wait_for_log(std::regex("state joining -> in_call"), 90s)) << log.tail(80);
    std::smatch m;
    const std::string joined = log.log();
    ASSERT_TRUE(std::regex_search(joined, m, std::regex("sess=(\\S+) state joining -> in_call")));
    const std::string id = m[1];

    // The flood runs until an OPTIONS exchange has been answered in the middle of it.
    const size_t flood_start = log.log_size();
    keypad.set_flood(true);
    ASSERT_TRUE(testsupport::wait_until([&] { return keypad.presses_sent() >= 500; }, 60s));
    testsupport::SippOptions ping;
    ping.scenario = "options.xml";
    ping.target = "127.0.0.1:5060";
    const auto pinged = testsupport::run_sipp(tmp.path(), ping);
    const uint64_t during = keypad.presses_sent();
    EXPECT_TRUE(
        testsupport::wait_until([&] { return keypad.presses_sent() >= during + 500; }, 60s));
    keypad.set_flood(false);
    const uint64_t sent = keypad.presses_sent();
    ASSERT_TRUE(pinged.ok()) << pinged.error().message;
    EXPECT_EQ(pinged->exit_code, 0) << "OPTIONS was not answered during the flood\n"
                                    << pinged->messages;
    std::printf("[ measure ] %llu key presses sent in the flood\n",
                static_cast<unsigned long long>(sent));

    // The call is still up, and the presses beyond the rate limit were dropped and counted.
    const auto status = testsupport::http_request(8080, "GET", "/api/v1/gateways/" + id);
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_EQ(status->status, 200) << status->body;
    EXPECT_NE(status->body.find("\"in_call\""), std::string::npos) << status->body;
    const auto metrics = testsupport::http_request(8080, "GET", "/metrics");
    ASSERT_TRUE(metrics.ok()) << metrics.error().message;
    const double dropped = metric_sum(metrics->body, "sipmediagw_media_dtmf_dropped_total");
    std::printf("[ measure ] presses dropped by the rate limit: %.0f; control queue drops: %.0f\n",
                dropped, metric_sum(metrics->body, "sipmediagw_control_queue_dropped_total"));
    EXPECT_GT(dropped, 0) << metrics->body;
    EXPECT_FALSE(log.log_contains(std::regex("sess=" + id + " (ended|hangup)"), flood_start))
        << log.tail(40);

    // An in-call key still works: `#` (never in the flood) shows the key menu. Pressed again
    // until seen, since the rate limit may still be refilling when the first press arrives.
    const size_t after_flood = log.log_size();
    EXPECT_TRUE(testsupport::wait_until(
        [&] {
            if (log.log_contains(std::regex("menu \"1  microphone on/off\""), after_flood))
                return true;
            keypad.press('#');
            return false;
        },
        30s, 1000ms))
        << log.tail(40);

    // `0` leaves the meeting and hangs up; sipp sees the BYE and ends well.
    keypad.press('0');
    EXPECT_TRUE(log.wait_for_log(std::regex("action=leave"), 30s)) << log.tail(40);
    const auto ended = call.get();
    ASSERT_TRUE(ended.ok()) << ended.error().message;
    EXPECT_EQ(ended->exit_code, 0) << ended->errors;
    EXPECT_TRUE(log.wait_for_log(std::regex("ended, 0 active"), 30s)) << log.tail(80);
    EXPECT_TRUE(gw->terminate()) << log.tail(40);
    const std::string left = gw->browsers_left(30s);
    EXPECT_TRUE(left.empty()) << left;
}

}  // namespace
