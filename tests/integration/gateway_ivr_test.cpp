// Issue 5, the IVR with real callers: baresip dials sip:0@gw and types the room number by
// RFC 4733; a conference mapper (python3's http.server serving JSON files) turns numbers into
// rooms; wrong numbers use up the tries, then goodbye and BYE; the prompts have energy in
// what baresip recorded.
#include "file_server.hpp"
#include "gateway_fixture.hpp"
#include "support/http_client.hpp"
#include "support/ports.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <iterator>

namespace testsupport {
namespace {

// RMS of every 16-bit PCM WAV baresip's sndfile module wrote for decoded (received) audio, and
// how many samples (all channels) it held.
std::pair<double, size_t> received_audio(const std::filesystem::path& dir) {
    double sum = 0;
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        const auto name = e.path().filename().string();
        if (name.rfind("dump-", 0) != 0 || name.find("-dec.wav") == std::string::npos) continue;
        std::ifstream in(e.path(), std::ios::binary);
        std::vector<unsigned char> d((std::istreambuf_iterator<char>(in)), {});
        for (size_t pos = 12; pos + 8 <= d.size();) {
            const uint32_t size = d[pos + 4] | d[pos + 5] << 8 | d[pos + 6] << 16 |
                                  static_cast<uint32_t>(d[pos + 7]) << 24;
            if (std::string(d.begin() + static_cast<long>(pos),
                            d.begin() + static_cast<long>(pos) + 4) == "data") {
                for (size_t i = pos + 8; i + 1 < d.size() && i < pos + 8 + size; i += 2) {
                    const auto s = static_cast<int16_t>(d[i] | d[i + 1] << 8);
                    sum += static_cast<double>(s) * s;
                    ++n;
                }
                break;
            }
            pos += 8 + size + (size & 1);
        }
    }
    return {n == 0 ? 0.0 : std::sqrt(sum / static_cast<double>(n)), n};
}

// RFC 4733 events must share the audio codec's clock: baresip offers telephone-event/8000 only,
// so the callers use PCMU to send keys in RTP.
BaresipOptions ivr_caller() {
    BaresipOptions o = plain_peer("caller", "alice");
    o.audio_codecs = "PCMU";
    return o;
}

class GatewayIvr : public GatewayTest {
protected:
    // A mapper on 127.0.0.1: GET /<number> answers the JSON file of that name, or 404.
    std::string start_mapper(const std::map<std::string, std::string>& numbers) {
        const uint16_t port = start_file_server(mapper_, dir_.path(), numbers);
        if (port == 0) return {};
        return "http://127.0.0.1:" + std::to_string(port) + "/{number}";
    }
    static void type(BaresipPeer& peer, const std::string& keys) {
        for (char k : keys) ASSERT_TRUE(peer.ctrl().command("sndcode", std::string(1, k)));
    }
    void TearDown() override {
        GatewayTest::TearDown();
        if (mapper_) mapper_->stop();
    }
    std::optional<Program> mapper_;
};

TEST_F(GatewayIvr, NumberTypedByRfc4733JoinsTheMappedRoom) {
    GatewayOptions o;
    o.extra_toml =
        "[ivr]\nmapper_url = \"" + start_mapper({{"4242", R"({"room":"weekly"})"}}) + "\"\n";
    auto& gw = start_gateway(o);
    auto& caller = start_peer(ivr_caller());
    ASSERT_TRUE(caller.dial(gw.uri("0")));
    ASSERT_TRUE(caller.wait_established(20s));
    ASSERT_TRUE(gw.program().wait_for_log(std::regex("state answering -> ivr"), 10s));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("ivr prompt=welcome "), 10s));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("started mode=ivr"), 10s));
    type(caller, "4242#");
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("dtmf key=4 source=rtp"), 10s));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("ivr number=\"4242\" room=\"weekly\""), 20s));
    EXPECT_TRUE(
        gw.program().wait_for_log(std::regex("state ivr -> joining cause=room=weekly"), 10s));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("join room=\"weekly\""), 10s));
    EXPECT_TRUE(mapper_->wait_for_log(std::regex("GET /4242 HTTP/1.1\" 200"), 10s));
    ASSERT_TRUE(caller.ctrl().command("hangup"));
    EXPECT_TRUE(caller.wait_closed(10s));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("sess=\\S+ ended"), 10s));
}

TEST_F(GatewayIvr, WrongNumbersUseTheTriesThenGoodbyeAndBye) {
    GatewayOptions o;
    // 999 is unknown (404 → "invalid"); the prompts must be heard by the caller.
    o.extra_toml = "[ivr]\ntries = 3\nmapper_url = \"" +
                   start_mapper({{"4242", R"({"room":"weekly"})"}}) + "\"\n";
    auto& gw = start_gateway(o);
    auto& caller = start_peer(ivr_caller());
    ASSERT_TRUE(caller.dial(gw.uri("0")));
    ASSERT_TRUE(caller.wait_established(20s));
    ASSERT_TRUE(gw.program().wait_for_log(std::regex("ivr prompt=welcome "), 10s));
    for (int attempt = 1; attempt <= 3; ++attempt) {
        const auto mark = gw.program().log_size();
        type(caller, "999#");
        const std::string expect =
            attempt < 3
                ? "ivr prompt=invalid,welcome typed=\"\" tries_left=" + std::to_string(3 - attempt)
                : "ivr prompt=invalid,goodbye";
        EXPECT_TRUE(gw.program().wait_for_log(std::regex(expect), 20s, mark))
            << "attempt " << attempt;
    }
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("ivr gave up after 3 tries"), 10s));
    // BYE from the gateway after the goodbye has played.
    const auto reason = caller.wait_closed(30s);
    ASSERT_TRUE(reason) << "the gateway did not hang up";
    EXPECT_TRUE(mapper_->log_contains(std::regex("GET /999 HTTP/1.1\" 404")));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("sess=\\S+ ended"), 10s));
    // What baresip decoded from the gateway is speech, not silence.
    const auto [rms, samples] = received_audio(caller.config_dir());
    EXPECT_GT(samples, 8000u) << "baresip recorded no audio";
    EXPECT_GT(rms, 200.0) << "the prompts have no energy in the caller's recording";
    RecordProperty("caller_prompt_rms", std::to_string(rms));
}

TEST_F(GatewayIvr, MapperDownGetsTheUnavailablePrompt) {
    GatewayOptions o;
    // Nothing listens there: connection refused.
    o.extra_toml =
        "[ivr]\nmapper_url = \"http://127.0.0.1:" + std::to_string(free_port()) + "/{number}\"\n";
    auto& gw = start_gateway(o);
    auto& caller = start_peer(ivr_caller());
    ASSERT_TRUE(caller.dial(gw.uri("")));  // no user part at all: the IVR too
    ASSERT_TRUE(caller.wait_established(20s));
    ASSERT_TRUE(gw.program().wait_for_log(std::regex("ivr prompt=welcome "), 10s));
    type(caller, "12#");
    EXPECT_TRUE(
        gw.program().wait_for_log(std::regex("ivr number=\"12\" rejected unavailable=true"), 20s));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("ivr prompt=unavailable,welcome"), 10s));
    ASSERT_TRUE(caller.ctrl().command("hangup"));
    EXPECT_TRUE(caller.wait_closed(10s));
}

TEST_F(GatewayIvr, ApiDtmfCommandDrivesTheIvrAndStarErases) {
    auto& gw = start_gateway();
    auto& caller = start_peer(ivr_caller());
    ASSERT_TRUE(caller.dial(gw.uri("0")));
    ASSERT_TRUE(caller.wait_established(20s));
    std::string id;
    ASSERT_TRUE(wait_until(
        [&] {
            auto r = http_request(gw.api_port(), "GET", "/api/v1/gateways");
            if (!r || r->status != 200) return false;
            const auto list = nlohmann::json::parse(r->body)["gateways"];
            if (list.size() != 1 || list[0]["state"] != "ivr") return false;
            id = list[0]["id"];
            return true;
        },
        10s));
    // Without a mapper the number is the room; "*" erases the 9.
    auto r = http_request(gw.api_port(), "POST", "/api/v1/gateways/" + id + "/command",
                          R"({"action":"dtmf","digits":"129*3#"})",
                          "Content-Type: application/json\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("ivr number=\"123\" room=\"123\""), 10s));
    EXPECT_TRUE(wait_until(
        [&] {
            auto g = http_request(gw.api_port(), "GET", "/api/v1/gateways/" + id);
            return g && nlohmann::json::parse(g->body).value("state", "") == "joining";
        },
        10s));
    // Bad digits are refused with a message, not fed to the IVR.
    auto bad =
        http_request(gw.api_port(), "POST", "/api/v1/gateways/" + id + "/command",
                     R"({"action":"dtmf","digits":"12x"})", "Content-Type: application/json\r\n");
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 400) << bad->body;
}

// In-call keys in a meeting room (1 mute, # menu, 0 leave) are proven with a real meeting in
// tests/e2e/meeting_call_test.cpp.
}  // namespace
}  // namespace testsupport
