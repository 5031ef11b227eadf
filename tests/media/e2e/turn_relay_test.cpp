// End to end through a TURN relay: coturn (started here on 127.0.0.1, use-auth-secret) relays
// every media socket of the gateway; baresip calls sip:echo and must get its tone back, which it
// can only do by sending to the relayed address it read in our SDP answer.
#include "core/control_loop.hpp"
#include "integration/gateway_fixture.hpp"
#include "recording.hpp"
#include "support/bfcp_client.hpp"
#include "support/http_client.hpp"
#include "support/ports.hpp"
#include "support/rtp_video_peer.hpp"
#include "support/test_ca.hpp"

#include <fmt/format.h>

#include <future>

namespace testsupport {
namespace {

class TurnE2e : public GatewayTest {
protected:
    // coturn with its own config, ports probed free, log on stdout (Program's log file).
    Program& start_coturn(const std::string& secret) {
        turn_port_ = free_port();
        // Seven allocations per call (audio, video and content, RTP and RTCP, and BFCP).
        const uint16_t relay_min = free_port_block(16);
        const auto conf = dir_ / "turnserver.conf";
        write_file(conf,
                   fmt::format("listening-ip=127.0.0.1\nlistening-port={}\n"
                               "relay-ip=127.0.0.1\nmin-port={}\nmax-port={}\n"
                               "fingerprint\nuse-auth-secret\nstatic-auth-secret={}\n"
                               "realm=sipmediagw.test\nno-tls\nno-dtls\nno-cli\n"
                               "no-multicast-peers\nallow-loopback-peers\n"
                               "log-file=stdout\nsimple-log\nverbose\npidfile={}\n"
                               "userdb={}\n",
                               turn_port_, relay_min, relay_min + 15, secret,
                               (dir_ / "turnserver.pid").string(), (dir_ / "turndb").string()));
        auto p =
            Program::start("coturn", {"/usr/bin/turnserver", "-c", conf.string()}, dir_.path());
        if (!p) {
            ADD_FAILURE() << p.error().message;
            throw std::runtime_error("coturn did not start");
        }
        coturn_.emplace(std::move(p.value()));
        EXPECT_TRUE(coturn_->wait_for_log(
            std::regex(fmt::format("UDP listener opened on: 127.0.0.1:{}", turn_port_)),
            std::chrono::seconds(20)));
        return *coturn_;
    }
    std::string turn_toml(const std::string& secret) const {
        return fmt::format("[turn]\nserver = \"turn:127.0.0.1:{}\"\nsecret = \"{}\"\nttl = 600\n",
                           turn_port_, secret);
    }
    // coturn, and a gateway whose media go through it with the echo room's picture.
    Gateway& start_relayed_gateway(GatewayOptions go = {}) {
        start_coturn(kSecret);
        go.extra_toml = turn_toml(kSecret) + kEchoMediaToml;
        return start_gateway(std::move(go));
    }
    // A caller sending 1000 Hz with PCMU and VP8, its media protected by baresip's `mediaenc`.
    BaresipPeer& start_echo_caller(const std::string& mediaenc = {},
                                   const std::string& transport = "udp") {
        BaresipOptions o = plain_peer("caller", "alice", transport);
        o.tone_hz = 1000;
        o.audio_codecs = "PCMU";
        o.video_codecs = "VP8";
        o.mediaenc = mediaenc;
        return start_peer(o);
    }
    void TearDown() override {
        GatewayTest::TearDown();
        if (coturn_) coturn_->stop();
    }

    static constexpr const char* kSecret = "turn-test-secret";
    uint16_t turn_port_ = 0;
    std::optional<Program> coturn_;
};

// The caller gets its tone back from the echo room, loud enough that silence fails; then it
// hangs up.
void expect_echo_then_hang_up(BaresipPeer& caller) {
    expect_echoed_tone(caller.config_dir());
    ASSERT_TRUE(caller.ctrl().command("hangup"));
    EXPECT_TRUE(caller.wait_closed(std::chrono::seconds(10)));
}

// The gateway freed `stream`'s allocation, and packets went both ways through it.
std::regex relay_released(const std::string& stream) {
    return std::regex("turn released relay=127\\.0\\.0\\.1:\\d+ stream=" + stream +
                      " sent=[1-9]\\d* received=[1-9]\\d*");
}

// The room's floor request over the relayed UDP/BFCP port is granted (and the gateway says the
// room took the floor), and its release is answered.
void expect_floor_through_relay(Gateway& gw, const std::string& session, uint16_t bfcp_port,
                                uint32_t conference_id, uint16_t user_id) {
    core::LibreRuntime libre;
    core::ControlLoop loop;
    BfcpClient room(BfcpClient::Transport::Udp, "127.0.0.1", bfcp_port, conference_id, user_id, 2,
                    "");
    EXPECT_TRUE(room.ok());
    auto run_until = [&](const std::function<bool()>& pred) {
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        core::Timer poll;
        std::function<void()> check = [&] {
            if (pred() || std::chrono::steady_clock::now() >= deadline) {
                loop.stop();
                return;
            }
            poll.start(10, check);
        };
        poll.start(0, check);
        loop.run();
        return pred();
    };
    room.request_floor(1);
    EXPECT_TRUE(run_until([&] { return room.state_of(1) == BFCP_GRANTED; }));
    EXPECT_TRUE(gw.program().wait_for_log(
        std::regex("gateway: sess=" + session + " content floor taken by the room"), 10s));
    room.release_floor(1);
    EXPECT_TRUE(run_until([&] { return room.state_of(1) == BFCP_RELEASED; }));
}

TEST_F(TurnE2e, EchoThroughCoturnRelay) {
    auto& gw = start_relayed_gateway();
    auto& coturn = *coturn_;
    auto& caller = start_echo_caller();
    ASSERT_TRUE(caller.dial(gw.uri("echo")));
    ASSERT_TRUE(caller.wait_established(std::chrono::seconds(20)));

    // One allocation per socket (audio, video: RTP and RTCP) before the answer went out; none
    // for the content line and BFCP, which baresip's offer does not have.
    const std::regex allocated(
        "media: sess=\\S+ turn allocated relay=127\\.0\\.0\\.1:(\\d+) stream=audio-rtp");
    ASSERT_TRUE(gw.program().wait_for_log(allocated, std::chrono::seconds(5)));
    for (const char* s : {"audio-rtcp", "video-rtp", "video-rtcp"}) {
        EXPECT_TRUE(gw.program().log_contains(
            std::regex(std::string("turn allocated relay=127\\.0\\.0\\.1:\\d+ stream=") + s)));
    }
    for (const char* s : {"content-rtp", "content-rtcp", "bfcp"}) {
        EXPECT_FALSE(gw.program().log_contains(
            std::regex(std::string("turn allocated relay=\\S+ stream=") + s)))
            << s << " relay allocated for an offer without content";
    }
    std::smatch m;
    const std::string log = gw.program().log();
    ASSERT_TRUE(std::regex_search(log, m, allocated));
    const std::string relay_port = m[1];
    // baresip sends RTP to what our answer said: the relay port, not the gateway's own.
    EXPECT_TRUE(
        coturn.wait_for_log(std::regex("ALLOCATE processed, success"), std::chrono::seconds(5)));

    ASSERT_NO_FATAL_FAILURE(expect_echo_then_hang_up(caller));
    // Freed at hang-up, and both directions went through the relay (the gateway's counts: the
    // pipeline's packets it relayed out, the peer's packets the relay delivered).
    const std::regex released("turn released relay=127\\.0\\.0\\.1:" + relay_port +
                              " stream=audio-rtp sent=([1-9]\\d*) received=([1-9]\\d*)");
    EXPECT_TRUE(gw.program().wait_for_log(released, std::chrono::seconds(10)));
    // coturn saw the relayed traffic and deleted the allocation (Refresh lifetime 0).
    EXPECT_TRUE(coturn.wait_for_log(std::regex("peer usage: realm=<sipmediagw\\.test>.*"
                                               "rp=[1-9]\\d*, rb=\\d+, sp=[1-9]\\d*"),
                                    std::chrono::seconds(10)));
    EXPECT_TRUE(
        coturn.wait_for_log(std::regex("REFRESH processed, success"), std::chrono::seconds(10)));
    // All four allocations are gone, not left to expire.
    const std::regex closed("closed \\(2nd stage\\)");
    EXPECT_TRUE(wait_until(
        [&] {
            const std::string text = coturn.log();
            return std::distance(std::sregex_iterator(text.begin(), text.end(), closed),
                                 std::sregex_iterator()) == 4;
        },
        std::chrono::seconds(10), std::chrono::milliseconds(100)))
        << "coturn did not close the four allocations";
}

// Issue 14: a room's content line and its UDP/BFCP line go through relays too. The room
// (sipp's offer naming the test's own sockets for main video and slides, and a BFCP client
// from libre) calls the echo room through coturn: its slides come back on the content line,
// its floor request is granted, and the gateway relayed both both ways.
TEST_F(TurnE2e, ContentAndBfcpThroughCoturnRelay) {
    start_coturn("turn-test-secret");
    GatewayOptions go;
    go.extra_toml = turn_toml("turn-test-secret") +
                    "[media]\nvideo_width = 320\nvideo_height = 240\nvideo_fps = 15\n"
                    "video_bitrate_kbps = 400\n";
    auto& gw = start_gateway(go);
    RtpVideoPeer camera;
    RtpVideoPeer slides;
    auto call = std::async(std::launch::async, [&] {
        return run_sipp(gw.program().log_path().parent_path(),
                        scenario("content_bfcp_until_bye.xml", gw.target(), "echo", "u1",
                                 {"-key", "main_port", std::to_string(camera.port()), "-key",
                                  "content_port", std::to_string(slides.port())}));
    });
    // The answer's ports are the relays' (what the log names is what the SDP said).
    const std::regex lines(
        R"(media: sess=(\S+) content line local=127\.0\.0\.1:(\d+) peer=\S+ codec=VP8 \(main video local=127\.0\.0\.1:(\d+)\))");
    const std::regex bfcp(
        "bfcp: sess=\\S+ floor control on UDP/BFCP port=(\\d+) floor=1 "
        "confid=(\\d+) userid=(\\d+)");
    const bool up = gw.program().wait_for_log(lines, std::chrono::seconds(30)) &&
                    gw.program().wait_for_log(bfcp, std::chrono::seconds(10));
    const std::string log = gw.program().log();
    std::smatch m;
    std::smatch b;
    if (up && std::regex_search(log, m, lines) && std::regex_search(log, b, bfcp)) {
        const std::string session = m[1];
        const auto content_port = static_cast<uint16_t>(std::stoul(m[2]));
        const auto main_port = static_cast<uint16_t>(std::stoul(m[3]));
        const auto bfcp_port = static_cast<uint16_t>(std::stoul(b[1]));
        for (const auto& [port, stream] :
             {std::pair{content_port, "content-rtp"}, std::pair{main_port, "video-rtp"},
              std::pair{bfcp_port, "bfcp"}}) {
            EXPECT_TRUE(gw.program().log_contains(std::regex(
                fmt::format("turn allocated relay=127\\.0\\.0\\.1:{} stream={}", port, stream))))
                << stream << " is not on its relay";
        }
        camera.start("127.0.0.1", main_port, "green");
        slides.start("127.0.0.1", content_port, "checkers-8");
        EXPECT_TRUE(wait_until([&] { return slides.frames() >= 15 && camera.frames() >= 15; },
                               std::chrono::seconds(60), std::chrono::milliseconds(100)))
            << "slides back: " << slides.frames() << ", camera back: " << camera.frames();
        expect_floor_through_relay(gw, session, bfcp_port, static_cast<uint32_t>(std::stoul(b[2])),
                                   static_cast<uint16_t>(std::stoul(b[3])));
        const auto hangup = http_request(gw.api_port(), "DELETE", "/api/v1/gateways/" + session);
        EXPECT_TRUE(hangup.ok() && hangup->status == 200);
        for (const char* stream : {"content-rtp", "bfcp"}) {
            EXPECT_TRUE(gw.program().wait_for_log(
                std::regex(fmt::format("turn released relay=127\\.0\\.0\\.1:\\d+ stream={} "
                                       "sent=[1-9]\\d* received=[1-9]\\d*",
                                       stream)),
                std::chrono::seconds(10)))
                << stream << " did not go through its relay both ways";
        }
    } else {
        ADD_FAILURE() << "no relayed content or BFCP line: " << gw.program().tail();
        gw.program().stop();  // its end ends sipp
    }
    auto r = call.get();
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->exit_code, 0);
}

// Issue 14: behind TURN, the content and UDP/BFCP lines a room adds by re-INVITE get relays of
// their own (docs/content.md, "Behind TURN"). The call starts with four allocations; the
// re-INVITE is answered with both lines at port 0 (libre answers as our offer handler returns,
// before any allocation could), the three relays are allocated, and the gateway's own re-INVITE
// offers the lines on them. The room (sipp) answers that 491 once (glare), then accepts the
// retry: its slides come back on the content line through the relay, the gateway's content
// stream counts them, and its floor request over the relayed BFCP port is granted.
class TurnE2eReinvite : public TurnE2e {
protected:
    // The room plays `file` (sipp); the gateway offers the content line `offers` times.
    void expect_content_added_by_reinvite(const std::string& file, std::ptrdiff_t offers) {
        start_coturn(kSecret);
        GatewayOptions go;
        go.extra_toml = turn_toml(kSecret) +
                        "[media]\nvideo_width = 320\nvideo_height = 240\nvideo_fps = 15\n"
                        "video_bitrate_kbps = 400\n";
        auto& gw = start_gateway(go);
        RtpVideoPeer camera;
        RtpVideoPeer slides;
        auto call = std::async(std::launch::async, [&] {
            SippOptions o = scenario(file, gw.target(), "echo", "u1",
                                     {"-key", "main_port", std::to_string(camera.port()), "-key",
                                      "content_port", std::to_string(slides.port())});
            o.timeout = std::chrono::seconds(120);
            return run_sipp(gw.program().log_path().parent_path(), o);
        });
        const std::regex port0(
            "gateway: sess=(\\S+) content line by re-INVITE behind TURN: answered with port 0, "
            "allocating its relays");
        const std::regex offered(
            "sip: sess=\\S+ re-INVITE offering the content line port=(\\d+) and UDP/BFCP "
            "port=(\\d+)");
        const std::regex lines(
            R"(media: sess=\S+ content line local=127\.0\.0\.1:(\d+) peer=\S+ codec=VP8 \(main video local=127\.0\.0\.1:(\d+)\))");
        const std::regex bfcp(
            "bfcp: sess=\\S+ floor control on UDP/BFCP port=(\\d+) floor=1 "
            "confid=(\\d+) userid=(\\d+)");
        const bool up = gw.program().wait_for_log(port0, std::chrono::seconds(30)) &&
                        gw.program().wait_for_log(offered, std::chrono::seconds(30)) &&
                        gw.program().wait_for_log(lines, std::chrono::seconds(30)) &&
                        gw.program().wait_for_log(bfcp, std::chrono::seconds(10));
        const std::string log = gw.program().log();
        std::smatch p;
        std::smatch o;
        std::smatch m;
        std::smatch b;
        if (up && std::regex_search(log, p, port0) && std::regex_search(log, o, offered) &&
            std::regex_search(log, m, lines) && std::regex_search(log, b, bfcp)) {
            const std::string session = p[1];
            const auto content_port = static_cast<uint16_t>(std::stoul(m[1]));
            const auto main_port = static_cast<uint16_t>(std::stoul(m[2]));
            const auto bfcp_port = static_cast<uint16_t>(std::stoul(b[1]));
            // What our re-INVITE offered is what the pipeline and the floor server use.
            EXPECT_EQ(std::to_string(content_port), o[1].str());
            EXPECT_EQ(std::to_string(bfcp_port), o[2].str());
            // Each on its own relay, allocated after the re-INVITE was answered with port 0 (the
            // INVITE, without content, got only the four of audio and main video).
            const auto answered_at = static_cast<size_t>(p.position(0));
            for (const auto& [port, stream] :
                 {std::pair{content_port, "content-rtp"}, std::pair{main_port, "video-rtp"},
                  std::pair{bfcp_port, "bfcp"}}) {
                std::smatch a;
                const std::regex allocated(
                    fmt::format("turn allocated relay=127\\.0\\.0\\.1:{} stream={}", port, stream));
                if (!std::regex_search(log, a, allocated)) {
                    ADD_FAILURE() << stream << " is not on its relay";
                    continue;
                }
                if (std::string(stream) != "video-rtp") {
                    EXPECT_GT(static_cast<size_t>(a.position(0)), answered_at)
                        << stream << " was allocated before the re-INVITE asked for it";
                }
            }
            EXPECT_TRUE(gw.program().wait_for_log(
                std::regex("sip: sess=" + session +
                           " content offer answered: content=accepted bfcp=accepted"),
                std::chrono::seconds(10)));
            const std::string now = gw.program().log();
            const std::regex offer("sip: sess=" + session + " re-INVITE offering the content line");
            EXPECT_EQ(std::distance(std::sregex_iterator(now.begin(), now.end(), offer),
                                    std::sregex_iterator()),
                      offers)
                << "our offers of the content line";
            camera.start("127.0.0.1", main_port, "green");
            slides.start("127.0.0.1", content_port, "checkers-8");
            EXPECT_TRUE(wait_until([&] { return slides.frames() >= 15 && camera.frames() >= 15; },
                                   std::chrono::seconds(60), std::chrono::milliseconds(100)))
                << "slides back: " << slides.frames() << ", camera back: " << camera.frames();
            // The gateway's content stream counted the slides that reached it through the relay.
            const std::regex counted(
                "sipmediagw_media_packets_received_total\\{media=\"content\",session=\"" + session +
                "\"\\} ([0-9.e+]+)");
            EXPECT_TRUE(wait_until(
                [&] {
                    const auto metrics = http_request(gw.api_port(), "GET", "/metrics");
                    std::smatch c;
                    return metrics.ok() && std::regex_search(metrics->body, c, counted) &&
                           std::stod(c[1]) > 0;
                },
                std::chrono::seconds(10), std::chrono::milliseconds(200)))
                << "no content packets counted";
            expect_floor_through_relay(gw, session, bfcp_port,
                                       static_cast<uint32_t>(std::stoul(b[2])),
                                       static_cast<uint16_t>(std::stoul(b[3])));
            const auto hangup =
                http_request(gw.api_port(), "DELETE", "/api/v1/gateways/" + session);
            EXPECT_TRUE(hangup.ok() && hangup->status == 200);
            for (const char* stream : {"content-rtp", "bfcp"}) {
                EXPECT_TRUE(
                    gw.program().wait_for_log(relay_released(stream), std::chrono::seconds(10)))
                    << stream << " did not go through its relay both ways";
            }
            // All seven allocations freed at hang-up, none left to expire.
            const std::regex closed("closed \\(2nd stage\\)");
            EXPECT_TRUE(wait_until(
                [&] {
                    const std::string text = coturn_->log();
                    return std::distance(std::sregex_iterator(text.begin(), text.end(), closed),
                                         std::sregex_iterator()) == 7;
                },
                std::chrono::seconds(10), std::chrono::milliseconds(100)))
                << "coturn did not close the seven allocations";
        } else {
            ADD_FAILURE() << "no relayed content or BFCP line after the re-INVITE: "
                          << gw.program().tail();
            gw.program().stop();  // its end ends sipp
        }
        auto r = call.get();
        ASSERT_TRUE(r.ok()) << r.error().message;
        EXPECT_EQ(r->exit_code, 0) << r->log;
    }
};

TEST_F(TurnE2eReinvite, ContentAddedGetsRelays) {
    expect_content_added_by_reinvite("content_reinvite_turn.xml", 1);
}

// As above, but the room's own re-INVITE crosses our retry after its 491, with the content and
// BFCP lines it had refused kept at port 0: ours is dropped (libre) and the gateway offers the
// lines again, put back in their place, after that exchange.
TEST_F(TurnE2eReinvite, ContentOfferedAgainAfterTheRoomsCrossingReInvite) {
    expect_content_added_by_reinvite("content_reinvite_turn_crossing.xml", 2);
}

// Issue 12: an SDES-SRTP caller through the relay. The relay carries the SRTP datagrams as
// they are; the tone only comes back if both sides decrypt what crossed coturn.
TEST_F(TurnE2e, SrtpEchoThroughCoturnRelay) {
    auto& gw = start_relayed_gateway();
    auto& caller = start_echo_caller("srtp-mand");
    ASSERT_TRUE(caller.dial(gw.uri("echo")));
    ASSERT_TRUE(caller.wait_established(std::chrono::seconds(20)));
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("audio protection=sdes-srtp suite="),
                                          std::chrono::seconds(5)));
    ASSERT_NO_FATAL_FAILURE(expect_echo_then_hang_up(caller));
    EXPECT_TRUE(gw.program().wait_for_log(relay_released("audio-rtp"), std::chrono::seconds(10)));
}

// Issue 12: a DTLS-SRTP caller (baresip dtls_srtp, no rtcp-mux) through the relay. The
// handshakes of all four components run through coturn (the gateway's ClientHello leaves by its
// relay), and each certificate is checked against the SDP as on a direct path.
TEST_F(TurnE2e, DtlsSrtpEchoThroughCoturnRelay) {
    auto& gw = start_relayed_gateway();
    auto& caller = start_echo_caller("dtls_srtp");
    ASSERT_TRUE(caller.dial(gw.uri("echo")));
    ASSERT_TRUE(caller.wait_established(std::chrono::seconds(20)));
    for (const char* line : {"audio dtls RTP: the peer's certificate matches a=fingerprint",
                             "audio dtls RTCP: the peer's certificate matches a=fingerprint",
                             "video dtls RTP: the peer's certificate matches a=fingerprint",
                             "video dtls RTCP: the peer's certificate matches a=fingerprint"})
        EXPECT_TRUE(gw.program().wait_for_log(std::regex(line), std::chrono::seconds(20)))
            << line << "\n"
            << gw.program().tail(40);
    ASSERT_NO_FATAL_FAILURE(expect_echo_then_hang_up(caller));
    for (const char* stream : {"audio-rtp", "audio-rtcp", "video-rtp"})
        EXPECT_TRUE(gw.program().wait_for_log(relay_released(stream), std::chrono::seconds(10)))
            << stream;
}

// A secret that coturn does not share: the allocation is refused (401), the call is rejected
// with 503 and the log says what to check.
TEST_F(TurnE2e, WrongSecretRejectsWith503) {
    start_coturn("the-real-secret");
    GatewayOptions go;
    go.extra_toml = turn_toml("a-wrong-secret");
    auto& gw = start_gateway(go);
    BaresipOptions o = plain_peer("caller", "alice");
    auto& caller = start_peer(o);
    ASSERT_TRUE(caller.dial(gw.uri("echo")));
    EXPECT_TRUE(gw.program().wait_for_log(
        std::regex("turn failed stream=\\S+ server said: 401 .*check \\[turn\\] secret"),
        std::chrono::seconds(10)));
    EXPECT_TRUE(
        gw.program().wait_for_log(std::regex("rejected status=503"), std::chrono::seconds(10)));
    const auto reason = caller.wait_closed(std::chrono::seconds(10));
    ASSERT_TRUE(reason.has_value());
    EXPECT_NE(reason->find("503"), std::string::npos) << *reason;
    EXPECT_FALSE(caller.call_is_established());
}

// coturn down at call start: nothing listens on the TURN port, so the allocation fails (or
// times out) and the INVITE is refused with 503 and Retry-After, which tells a proxy in front
// to try another gateway now (sipp checks the header).
TEST_F(TurnE2e, CoturnDownRejectsWith503AndRetryAfter) {
    turn_port_ = free_port();  // probed free: no TURN server there
    GatewayOptions go;
    go.extra_toml = turn_toml("any-secret");
    auto& gw = start_gateway(go);
    const auto run = sipp(scenario("invite_unavailable.xml", gw.target(), "echo"));
    EXPECT_EQ(run.exit_code, 0) << "not refused with 503 + Retry-After:\n" << run.messages;
    EXPECT_TRUE(gw.program().wait_for_log(std::regex("turn failed"), std::chrono::seconds(10)));
    EXPECT_TRUE(
        gw.program().wait_for_log(std::regex("rejected status=503"), std::chrono::seconds(10)));
}

// Issue 12: signalling over verified TLS (the gateway registered to Kamailio over TLS, the
// caller reaching it through Kamailio over TLS) and media through the relay, in one call: the
// caller still gets its tone back.
TEST_F(TurnE2e, EchoOverTlsThroughKamailioAndTheRelay) {
    auto ca = TestCa::create(dir_.path());
    ASSERT_TRUE(ca) << ca.error().message;
    auto proxy = ca->issue("proxy", "IP:127.0.0.1");
    auto own = ca->issue("gateway", "IP:127.0.0.1");
    ASSERT_TRUE(proxy && own);
    KamailioOptions k;
    k.tls_certificate = proxy->certificate;
    k.tls_key = proxy->key;
    k.tls_ca = ca->certificate();
    auto& kam = start_kamailio(k);
    GatewayOptions go;
    go.tls_certificate = own->combined.string();
    go.tls_ca_file = ca->certificate().string();
    go.registrar_server = kam.tls_uri();
    go.registrar_secret = kam.secret();
    go.slots = 1;
    go.max_calls = 1;
    auto& gw = start_relayed_gateway(go);
    ASSERT_TRUE(wait_until([&] { return has_aor("sipmediagw.1"); }, std::chrono::seconds(30)))
        << gw.program().tail();
    auto& caller = start_echo_caller({}, "tls");
    ASSERT_TRUE(
        caller.dial("sip:echo@127.0.0.1:" + std::to_string(kam.tls_port()) + ";transport=tls"));
    ASSERT_TRUE(caller.wait_established(std::chrono::seconds(20)));
    EXPECT_TRUE(gw.program().log_contains(std::regex("INVITE from=.* transport=TLS")));
    EXPECT_TRUE(gw.program().wait_for_log(
        std::regex("turn allocated relay=127\\.0\\.0\\.1:\\d+ stream=audio-rtp"),
        std::chrono::seconds(5)));
    ASSERT_NO_FATAL_FAILURE(expect_echo_then_hang_up(caller));
    EXPECT_TRUE(gw.program().wait_for_log(relay_released("audio-rtp"), std::chrono::seconds(10)));
}

}  // namespace
}  // namespace testsupport
