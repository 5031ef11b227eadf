// A SIP caller joins a real Janus VideoRoom through `sipmediagw demo` (Janus + demo pages +
// gateway), and an independent headless Chromium observer in the same room proves what the
// meeting gets from the caller: video frames (with a size) and the caller's 440 Hz tone. The
// observer publishes its own 660 Hz tone and moving canvas; the caller's own recording and a
// snapshot of its decoded video prove the meeting reaches the caller. Then the in-call keys:
// `1` mutes the caller in the meeting (the observer's 440 Hz goes silent, although the page
// forwards the caller's Opus as it is), `1` again brings it back, `#` shows the menu, `0` leaves
// and hangs up. Everything runs in the test's private network namespace (e2e_main.cpp); no browser
// may be left behind.
#include "meeting_caller.hpp"
#include "private_network.hpp"
#include "support/http_client.hpp"
#include "support/program.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>

namespace {

using namespace std::chrono_literals;

class MeetingCallTest : public e2e::MeetingCallFixture {};

// RFC 4733 events must share the audio codec's clock: baresip offers telephone-event/8000
// only, so a caller that types keys uses PCMU.
testsupport::BaresipOptions keypad_caller() {
    testsupport::BaresipOptions o;
    o.tone_hz = 440;
    o.audio_codecs = "PCMU";
    return o;
}

// A caller sending 440 Hz with `audio` and H.264 (forwarded to the page without decoding),
// its media protected as baresip's `mediaenc` module does.
testsupport::BaresipOptions protected_caller(const std::string& audio,
                                             const std::string& mediaenc) {
    testsupport::BaresipOptions o;
    o.tone_hz = 440;
    o.audio_codecs = audio;
    o.video_codecs = "H264";
    o.mediaenc = mediaenc;
    return o;
}

// The demo's API lists the call with `protection`.
void expect_api_protection(const std::string& protection) {
    auto r = testsupport::http_request(8080, "GET", "/api/v1/gateways");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_NE(r->body.find("\"protection\":\"" + protection + "\""), std::string::npos) << r->body;
}

void type(testsupport::BaresipPeer& peer, const std::string& keys) {
    for (char k : keys) ASSERT_TRUE(peer.ctrl().command("sndcode", std::string(1, k)));
}

TEST_F(MeetingCallTest, CallerAndObserverSeeAndHearEachOtherThenKeysMuteAndLeave) {
    testsupport::TempDir tmp("meeting-call");
    auto gw = e2e::DemoGateway::start(tmp.path());
    ASSERT_TRUE(gw.ok()) << gw.error().message;
    auto& log = gw->program();
    ASSERT_TRUE(log.log_contains(std::regex("call sip:1234@10\\.200\\.0\\.1")));
    ASSERT_TRUE(log.log_contains(std::regex("janus api http://")));
    ASSERT_TRUE(join_observer(*gw));

    auto caller = caller_in_meeting(*gw, tmp.path(), keypad_caller());
    ASSERT_TRUE(caller);

    // Caller → meeting: video frames with a size, and the caller's tone (not silence).
    const auto obs = observed_caller();
    ASSERT_TRUE(obs.is_object()) << obs.dump();
    std::printf("[ measure ] observer received %dx%d, %d frames, tone %.0f Hz at %.0f dB\n",
                obs["width"].get<int>(), obs["height"].get<int>(), obs["frames"].get<int>(),
                obs["peakHz"].get<double>(), obs["levelDb"].get<double>());
    EXPECT_GE(obs["frames"].get<int>(), 90) << obs.dump();
    EXPECT_GT(obs["width"].get<int>(), 0) << obs.dump();
    EXPECT_NEAR(obs["peakHz"].get<double>(), 440, 30) << obs.dump();
    EXPECT_GT(obs["levelDb"].get<double>(), -70) << obs.dump();

    // Meeting → caller, proven at the caller: its recording carries the observer's 660 Hz, and
    // a frame it decoded is a real picture.
    const auto heard = caller_hears(*caller, 660);
    std::printf("[ measure ] caller hears 660 Hz at %.1f dB (all: %.1f dB) after %.1f s\n",
                heard.tone_db, heard.total_db, heard.seconds);
    EXPECT_GT(heard.tone_db, -40) << "the meeting's audio did not reach the caller";
    EXPECT_GT(heard.tone_db, heard.total_db - 3) << "the caller hears something else";
    const auto seen = caller_sees(*caller, tmp.path());
    std::printf("[ measure ] caller decoded %dx%d, luma stddev %.1f, %d levels\n", seen.width,
                seen.height, seen.luma_stddev, seen.distinct_luma);
    EXPECT_GE(seen.width, 160);
    EXPECT_GE(seen.height, 120);
    EXPECT_GT(seen.luma_stddev, 4) << "blank or uniform frame";
    // Extra diagnostics: the gateway saw both directions of the page's output.
    EXPECT_TRUE(
        log.log_contains(std::regex("bridge: receiving the meeting's video from the page")));
    EXPECT_TRUE(
        log.log_contains(std::regex("bridge: receiving the meeting's audio from the page")));
    // The caller's Opus from the link goes into the meeting as it is (forwarder.js): the tone
    // above, and the mute below, went that way.
    EXPECT_TRUE(log.log_contains(
        std::regex("caller audio forwarded encoded into the meeting \\(audio/OPUS")))
        << log.tail(40);
    // The default [browser] meeting_video: the remote videos drawn by the compositor.
    EXPECT_TRUE(log.log_contains(std::regex("meeting video from the compositor"))) << log.tail(40);

    // `1`: the caller is muted in the meeting; `1` again: heard again. Levels are relative to
    // what the observer hears before, so the check does not depend on the codec's loudness.
    const double before = observer_tone(440, [](double db) { return db > -70; });
    ASSERT_GT(before, -70) << "the observer does not hear the caller's tone";
    type(*caller, "1");
    EXPECT_TRUE(log.wait_for_log(std::regex("action=mute room=\"1234\""), 20s)) << log.tail(40);
    const double muted = observer_tone(440, [&](double db) { return db < before - 40; });
    EXPECT_LT(muted, before - 40) << "the caller's tone is still heard in the meeting after `1`";
    type(*caller, "1");
    const double unmuted = observer_tone(440, [&](double db) { return db > before - 10; });
    EXPECT_GT(unmuted, before - 10) << "the caller's tone did not come back after `1` again";
    std::printf("[ measure ] observer's 440 Hz: %.0f dB, muted %.0f dB, unmuted %.0f dB\n", before,
                muted, unmuted);

    // `#` shows the key menu; `0` leaves the meeting and hangs up.
    type(*caller, "#");
    EXPECT_TRUE(log.wait_for_log(std::regex("menu \"1  microphone on/off\""), 20s));
    EXPECT_TRUE(log.wait_for_log(std::regex("menu \"0  leave the meeting\""), 20s));
    type(*caller, "0");
    EXPECT_TRUE(log.wait_for_log(std::regex("action=leave"), 20s)) << log.tail(40);
    EXPECT_TRUE(caller->wait_closed(30s)) << "`0` did not hang up";
    EXPECT_TRUE(log.wait_for_log(std::regex("browser pid=\\d+ discarded"), 30s)) << log.tail(80);
    EXPECT_TRUE(log.wait_for_log(std::regex("ended, 0 active"), 30s)) << log.tail(80);
    EXPECT_FALSE(log.log_contains(std::regex("pipeline error"))) << log.tail(80);

    leave_and_stop(*gw);
}

// An Opus caller (baresip then offers no telephone-event it can use, so no keys): its Opus is
// forwarded to the page and the page's back without decoding ([media] audio_passthrough), the
// observer hears its 440 Hz and it hears the observer's 660 Hz, and muting it in the meeting
// (API command, the same adapter action as the `1` key) silences it for the observer.
TEST_F(MeetingCallTest, OpusCallerForwardedWithoutTranscodingAndMutedInTheMeeting) {
    testsupport::TempDir tmp("meeting-opus");
    auto gw = e2e::DemoGateway::start(tmp.path());
    ASSERT_TRUE(gw.ok()) << gw.error().message;
    auto& log = gw->program();
    ASSERT_TRUE(join_observer(*gw));
    testsupport::BaresipOptions o;
    o.tone_hz = 440;
    o.audio_codecs = "opus/48000/2";
    auto caller = caller_in_meeting(*gw, tmp.path(), o);
    ASSERT_TRUE(caller);
    EXPECT_TRUE(
        log.log_contains(std::regex("bridge: audio passthrough opus \\(no decode/encode\\)")))
        << log.tail(80);
    std::smatch m;
    const std::string text = log.log();
    ASSERT_TRUE(std::regex_search(text, m, std::regex("sess=(\\S+) state joining -> in_call")));
    const std::string id = m[1];

    // The caller's tone reaches the meeting (several seconds of it, as in the test above).
    const auto obs = observed_caller();
    ASSERT_TRUE(obs.is_object()) << obs.dump();
    EXPECT_NEAR(obs["peakHz"].get<double>(), 440, 30) << obs.dump();
    const double before = observer_tone(440, [](double db) { return db > -70; });
    ASSERT_GT(before, -70) << "the observer does not hear the caller's tone";
    const auto heard = caller_hears(*caller, 660);
    EXPECT_GT(heard.tone_db, -40) << "the meeting's audio did not reach the caller";
    EXPECT_GT(heard.tone_db, heard.total_db - 3) << "the caller hears something else";
    EXPECT_TRUE(log.wait_for_log(
        std::regex("receiving the meeting's audio from the page \\(opus, forwarded"), 20s));

    auto command = [&](const std::string& action) {
        auto r = testsupport::http_request(8080, "POST", "/api/v1/gateways/" + id + "/command",
                                           R"({"action":")" + action + R"("})",
                                           "Content-Type: application/json\r\n");
        ASSERT_TRUE(r.ok()) << r.error().message;
        EXPECT_EQ(r->status, 200) << r->body;
    };
    command("mute");
    const double muted = observer_tone(440, [&](double db) { return db < before - 40; });
    EXPECT_LT(muted, before - 40) << "the caller's tone is still heard after mute";
    command("mute");
    const double unmuted = observer_tone(440, [&](double db) { return db > before - 10; });
    EXPECT_GT(unmuted, before - 10) << "the caller's tone did not come back after unmute";
    std::printf(
        "[ measure ] opus caller: observer's 440 Hz %.0f dB, muted %.0f dB, unmuted %.0f "
        "dB; caller hears 660 Hz at %.1f dB\n",
        before, muted, unmuted, heard.tone_db);
    EXPECT_FALSE(log.log_contains(std::regex("pipeline error"))) << log.tail(80);

    hang_up_and_stop(*caller, *gw);
}

// Issue 12: an SDES-SRTP caller (baresip srtp-mand, RTP/SAVP) in the meeting. Encryption is
// only on the SIP leg: its H.264 is still forwarded to the page without decoding, the observer
// sees and hears it, and it hears the observer.
TEST_F(MeetingCallTest, SrtpCallerIsSeenAndHeardAndForwardedWithoutDecoding) {
    testsupport::TempDir tmp("meeting-srtp");
    auto gw = e2e::DemoGateway::start(tmp.path());
    ASSERT_TRUE(gw.ok()) << gw.error().message;
    auto& log = gw->program();
    ASSERT_TRUE(join_observer(*gw));
    auto caller = caller_in_meeting(*gw, tmp.path(), protected_caller("PCMU", "srtp-mand"));
    ASSERT_TRUE(caller);
    EXPECT_TRUE(log.log_contains(std::regex("audio protection=sdes-srtp suite="))) << log.tail(80);
    EXPECT_TRUE(log.log_contains(std::regex("video protection=sdes-srtp suite="))) << log.tail(80);
    EXPECT_TRUE(
        log.log_contains(std::regex("bridge: video passthrough H264 \\(no decode/encode\\)")))
        << log.tail(80);
    const auto obs = observed_caller();
    ASSERT_TRUE(obs.is_object()) << obs.dump();
    EXPECT_GE(obs["frames"].get<int>(), 90) << obs.dump();
    EXPECT_NEAR(obs["peakHz"].get<double>(), 440, 30) << obs.dump();
    const auto heard = caller_hears(*caller, 660);
    EXPECT_GT(heard.tone_db, -40) << "the meeting's audio did not reach the SRTP caller";
    expect_api_protection("sdes-srtp");
    std::printf(
        "[ measure ] srtp caller: observer frames %d, 440 Hz %.0f dB; caller hears 660 Hz "
        "at %.1f dB\n",
        obs["frames"].get<int>(), obs["levelDb"].get<double>(), heard.tone_db);
    EXPECT_FALSE(log.log_contains(std::regex("pipeline error"))) << log.tail(80);
    hang_up_and_stop(*caller, *gw);
}

// Issue 12: a DTLS-SRTP caller (baresip dtls_srtp, UDP/TLS/RTP/SAVPF, a=setup:actpass) in the
// meeting, with H.264 and Opus so that both passthroughs run behind the DTLS layer. baresip's
// default is no rtcp-mux, so each stream's RTCP port does its own handshake: the page's
// keyframe requests reach the caller as SRTCP keyed by that second handshake, without which
// the forwarded H.264 would never decode at the observer.
TEST_F(MeetingCallTest, DtlsSrtpCallerIsSeenAndHeardAndForwardedWithoutDecoding) {
    testsupport::TempDir tmp("meeting-dtls");
    auto gw = e2e::DemoGateway::start(tmp.path());
    ASSERT_TRUE(gw.ok()) << gw.error().message;
    auto& log = gw->program();
    ASSERT_TRUE(join_observer(*gw));
    auto caller = caller_in_meeting(*gw, tmp.path(), protected_caller("opus/48000/2", "dtls_srtp"));
    ASSERT_TRUE(caller);
    for (const char* line :
         {"audio protection=dtls-srtp setup=active peer fingerprint sha-256 components=2",
          "video protection=dtls-srtp setup=active peer fingerprint sha-256 components=2",
          "audio dtls RTP: the peer's certificate matches a=fingerprint",
          "audio dtls RTCP: the peer's certificate matches a=fingerprint",
          "video dtls RTP: the peer's certificate matches a=fingerprint",
          "video dtls RTCP: the peer's certificate matches a=fingerprint"})
        EXPECT_TRUE(log.wait_for_log(std::regex(line), 30s)) << line << "\n" << log.tail(80);
    EXPECT_TRUE(
        log.log_contains(std::regex("bridge: video passthrough H264 \\(no decode/encode\\)")))
        << log.tail(80);
    EXPECT_TRUE(
        log.log_contains(std::regex("bridge: audio passthrough opus \\(no decode/encode\\)")))
        << log.tail(80);

    // Caller → meeting.
    const auto obs = observed_caller();
    ASSERT_TRUE(obs.is_object()) << obs.dump();
    EXPECT_GE(obs["frames"].get<int>(), 90) << obs.dump();
    EXPECT_GT(obs["width"].get<int>(), 0) << obs.dump();
    EXPECT_NEAR(obs["peakHz"].get<double>(), 440, 30) << obs.dump();
    // Meeting → caller, proven at the caller: the observer's 660 Hz and a decoded picture.
    const auto heard = caller_hears(*caller, 660);
    EXPECT_GT(heard.tone_db, -40) << "the meeting's audio did not reach the DTLS caller";
    EXPECT_GT(heard.tone_db, heard.total_db - 3) << "the caller hears something else";
    const auto seen = caller_sees(*caller, tmp.path());
    EXPECT_GE(seen.width, 160);
    EXPECT_GE(seen.height, 120);
    EXPECT_GT(seen.luma_stddev, 4) << "blank or uniform frame";
    EXPECT_TRUE(log.log_contains(
        std::regex("receiving the meeting's audio from the page \\(opus, forwarded")))
        << log.tail(80);
    expect_api_protection("dtls-srtp");
    std::printf(
        "[ measure ] dtls caller: observer frames %d (%dx%d), 440 Hz %.0f dB; caller hears "
        "660 Hz at %.1f dB, decoded %dx%d\n",
        obs["frames"].get<int>(), obs["width"].get<int>(), obs["height"].get<int>(),
        obs["levelDb"].get<double>(), heard.tone_db, seen.width, seen.height);
    EXPECT_FALSE(log.log_contains(std::regex("pipeline error"))) << log.tail(80);
    EXPECT_FALSE(log.log_contains(std::regex("handshake failed"))) << log.tail(80);
    hang_up_and_stop(*caller, *gw);
}

// Issue 13: a room-system caller (H.264 in packetization-mode 0 and 1, answered 1) sees the
// one other participant, whose H.264 the page forwards to it as the meeting's connection
// received it: no decode, draw or encode in the page. Janus numbers H.264 107 toward its
// subscribers while the link carries the caller's H.264 under the page's own 108 (so that the
// caller's frames can be forwarded into the page's publisher), and a forwarded frame keeps its
// number: the link lists 107 too once the page reports it, the page then forwards, and the
// caller decodes the observer's 640x360 canvas as it left the observer's browser.
TEST_F(MeetingCallTest, RoomSystemCallerGetsTheMeetingsH264ForwardedEncoded) {
    testsupport::TempDir tmp("meeting-forwarded");
    auto gw = e2e::DemoGateway::start(tmp.path());
    ASSERT_TRUE(gw.ok()) << gw.error().message;
    auto& log = gw->program();
    ASSERT_TRUE(join_observer(*gw));
    testsupport::BaresipOptions o;
    o.tone_hz = 440;
    o.h264_both_modes = true;
    auto caller = caller_in_meeting(*gw, tmp.path(), o);
    ASSERT_TRUE(caller);
    ASSERT_TRUE(log.log_contains(
        std::regex("bridge: video passthrough H264 \\(no decode/encode\\) .*packetization-mode=1")))
        << log.tail(80);

    const std::regex forwarded(
        "meeting video forwarded encoded to the caller \\(video/H264 (\\d+)x(\\d+)");
    ASSERT_TRUE(log.wait_for_log(forwarded, 90s)) << log.tail(80);
    std::smatch m;
    std::string text = log.log();
    ASSERT_TRUE(std::regex_search(text, m, forwarded));
    EXPECT_EQ(m[1], "640");
    EXPECT_EQ(m[2], "360");
    EXPECT_TRUE(log.log_contains(std::regex("meeting's video number 107 \\(video/H264\\) listed")))
        << log.tail(80);

    // Two of the page's reports (every 5 s while forwarding): frames went on in between.
    const std::regex stats("meeting video forwarded frames=(\\d+) write_errors=(\\d+)");
    const auto reports = [&] {
        std::vector<std::pair<long, long>> r;
        const std::string t = log.log();
        for (std::sregex_iterator it(t.begin(), t.end(), stats), end; it != end; ++it)
            r.emplace_back(std::stol((*it)[1]), std::stol((*it)[2]));
        return r;
    };
    ASSERT_TRUE(run_until([&] { return reports().size() >= 2; }, 60s)) << log.tail(80);
    const auto r = reports();
    const long frames = r.back().first - r[r.size() - 2].first;
    EXPECT_GE(frames, 30) << "frames forwarded in 5 s";
    EXPECT_EQ(r.back().second, 0) << "write errors";

    // The caller decodes the forwarded frames: the observer's canvas at its own size (the
    // link's encoder is inactive while forwarding, so nothing else reaches the caller).
    const auto seen = caller_sees(*caller, tmp.path());
    EXPECT_EQ(seen.width, 640);
    EXPECT_EQ(seen.height, 360);
    EXPECT_GT(seen.luma_stddev, 4);
    text = log.log();
    const auto at = text.find("meeting video forwarded encoded to the caller");
    EXPECT_EQ(text.find("meeting video composited for the caller", at), std::string::npos)
        << "switched back to the compositor\n"
        << log.tail(80);
    std::printf(
        "[ measure ] meeting video forwarded to the caller: %ld frames in 5 s; the caller "
        "decoded %dx%d\n",
        frames, seen.width, seen.height);
    EXPECT_FALSE(log.log_contains(std::regex("pipeline error"))) << log.tail(80);
    hang_up_and_stop(*caller, *gw);
}

}  // namespace

namespace {

// A default caller dialled into room 1234 of `demo`, once the gateway has it in the meeting;
// returns the pid of the browser the call joined in (0, with a test failure, when none).
pid_t call_in_meeting(e2e::DemoGateway& demo, const std::filesystem::path& dir,
                      std::unique_ptr<testsupport::BaresipPeer>& caller) {
    auto& gw = demo.program();
    auto started = testsupport::BaresipPeer::start(dir, testsupport::BaresipOptions{});
    if (!started) {
        ADD_FAILURE() << started.error().message;
        return 0;
    }
    caller = std::move(*started);
    if (auto st = caller->dial("sip:1234@127.0.0.1:5060"); !st) {
        ADD_FAILURE() << "dial: " << st.error().message;
        return 0;
    }
    if (!gw.wait_for_log(std::regex("state joining -> in_call"), 90s)) {
        ADD_FAILURE() << "the call did not get into the meeting\n" << gw.tail(80);
        return 0;
    }
    std::smatch m;
    const std::string log = gw.log();
    if (!std::regex_search(log, m, std::regex("browser pid=(\\d+) joining"))) {
        ADD_FAILURE() << "no browser joining\n" << gw.tail(80);
        return 0;
    }
    return std::stoi(m[1]);
}

// The gateway's browser is killed mid-call: the session rejoins once with a fresh browser (or
// ends with BYE and the cause); the killed browser's process is gone either way.
void killed_browser_rejoins_or_hangs_up(const std::string& browser_toml) {
    testsupport::TempDir tmp("meeting-crash");
    auto demo = e2e::DemoGateway::start(tmp.path(), browser_toml);
    ASSERT_TRUE(demo.ok()) << demo.error().message;
    auto* gw = &demo->program();
    std::unique_ptr<testsupport::BaresipPeer> caller;
    const pid_t pid = call_in_meeting(*demo, tmp.path(), caller);
    ASSERT_NE(pid, 0);
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    const bool rejoined = gw->wait_for_log(std::regex("joined room=\"1234\" .*attempt=2"), 60s);
    const bool hung_up = gw->log_contains(std::regex("meeting ended the call"));
    EXPECT_TRUE(rejoined || hung_up) << gw->tail(80);
    std::printf("[ measure ] after the kill: %s\n", rejoined ? "rejoined" : "BYE");
    EXPECT_TRUE(gw->log_contains(std::regex("meeting lost \\(browser: ")) || hung_up)
        << gw->tail(80);
    EXPECT_NE(::kill(pid, 0), 0) << "killed browser " << pid << " still there";
    e2e::hang_up(*caller, *demo);
    e2e::expect_clean_stop(*demo);
}

// The call in a browser of its own (calls_per_browser = 1).
TEST(MeetingCallCrash, KilledBrowserRejoinsOrHangsUpCleanly) {
    killed_browser_rejoins_or_hangs_up("calls_per_browser = 1\n");
}

// The same with the call in a browser shared with the pool's spare context: the browser's
// failure reaches the call through its context.
TEST(MeetingCallCrash, SharedBrowserKilledRejoinsOrHangsUpCleanly) {
    killed_browser_rejoins_or_hangs_up("calls_per_browser = 2\n");
}

// Renderer processes of a Chromium: its process group's members whose command line (which
// Chromium's helpers rewrite as one space-separated string) says --type=renderer.
std::vector<pid_t> renderers_of(pid_t browser) {
    std::vector<pid_t> out;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const std::string name = entry.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        const pid_t pid = std::stoi(name);
        if (::getpgid(pid) != browser || pid == browser) continue;
        std::ifstream in(entry.path() / "cmdline", std::ios::binary);
        const std::string cmd((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
        if (cmd.find("--type=renderer") != std::string::npos) out.push_back(pid);
    }
    return out;
}

// When the process started, in clock ticks since boot (/proc/PID/stat field 22).
unsigned long long start_ticks(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    const std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream rest(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i < 22 && rest >> field; ++i) {
    }
    unsigned long long ticks = 0;
    rest >> ticks;
    return ticks;
}

// Calls sharing a browser ([browser] calls_per_browser = 2), each in its own context. A crashed
// renderer costs only its call's page: the call rejoins in a new context of the same browser.
// Only the call's renderer is killed (the browser's oldest: the call's page was there before the
// spare context opened); a renderer of the spare context's (a pre-loaded page) must live on.
TEST(MeetingCallCrash, SharedBrowserKilledRendererRejoinsInTheSameBrowser) {
    testsupport::TempDir tmp("meeting-ctx-crash");
    auto demo = e2e::DemoGateway::start(tmp.path(), "calls_per_browser = 2\n");
    ASSERT_TRUE(demo.ok()) << demo.error().message;
    auto* gw = &demo->program();
    std::unique_ptr<testsupport::BaresipPeer> caller;
    const pid_t pid = call_in_meeting(*demo, tmp.path(), caller);
    ASSERT_NE(pid, 0);
    ASSERT_TRUE(gw->log_contains(std::regex("context ready pid=" + std::to_string(pid))))
        << gw->tail(80);
    auto renderers = renderers_of(pid);
    ASSERT_FALSE(renderers.empty());
    std::ranges::sort(renderers, {}, start_ticks);
    const pid_t victim = renderers.front();
    ASSERT_EQ(::kill(victim, SIGKILL), 0);
    ASSERT_TRUE(gw->wait_for_log(std::regex("joined room=\"1234\" .*attempt=2"), 90s))
        << gw->tail(80);
    for (size_t i = 1; i < renderers.size(); ++i)
        EXPECT_EQ(::kill(renderers[i], 0), 0)
            << "renderer " << renderers[i] << " died with " << victim << "\n"
            << gw->tail(80);
    EXPECT_FALSE(gw->log_contains(std::regex("spare lost"))) << gw->tail(80);
    EXPECT_TRUE(gw->log_contains(std::regex("meeting lost \\(.*crashed"))) << gw->tail(80);
    // The browser itself lived on and took the call back in another context.
    EXPECT_EQ(::kill(pid, 0), 0) << "browser " << pid << " died with its renderer";
    const std::string after = gw->log();
    const std::regex joining("browser pid=" + std::to_string(pid) + " joining");
    EXPECT_EQ(std::distance(std::sregex_iterator(after.begin(), after.end(), joining),
                            std::sregex_iterator()),
              2)
        << gw->tail(80);
    e2e::hang_up(*caller, *demo);
    e2e::expect_clean_stop(*demo);
}

}  // namespace
