// CPU of the echo room per call, next to a plain GStreamer pipeline doing the same
// decode → scale/overlay → encode work, measured in the same run; prints JSON. SRTP rows
// (gateway_echo_srtp: SDES AES_CM_128_HMAC_SHA1_80 both ways, the far ends encrypt too) and
// DTLS rows (gateway_echo_dtls: the far ends are DTLS servers with their own certificate, the
// gateway the client, rtcp-mux) say what encryption costs per call next to the clear rows of the
// same run. `setup` rows time a call's start for each protection: start() → first RTP packet
// accepted (for DTLS: the handshake, the fingerprint check and the first SRTP packet) and →
// first decoded video frame.
//
// The far ends (test-pattern + tone senders) run in child processes (this binary with
// --far-end) so that only the gateway side is counted: CPU is utime+stime of this process from
// /proc/self/stat over a fixed window.
#include "core/child_process.hpp"
#include "core/log.hpp"
#include "media/codec_chain.hpp"
#include "media/dtls_identity.hpp"
#include "media/engine.hpp"
#include "media/rtp_sockets.hpp"
#include "test_loop.hpp"

#include <gst/gst.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <fmt/format.h>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr uint8_t kVideoPt = 96;
// A fixed master key and salt (30 bytes) for the far ends' SRTP: a benchmark, not a secret.
constexpr const char* kFarKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d";

std::vector<uint8_t> far_key() {
    std::vector<uint8_t> k;
    for (size_t i = 0; kFarKeyHex[i] != 0; i += 2)
        k.push_back(static_cast<uint8_t>(std::stoul(std::string(kFarKeyHex + i, 2), nullptr, 16)));
    return k;
}

double cpu_seconds() {
    std::ifstream f("/proc/self/stat");
    std::string line;
    std::getline(f, line);
    // Fields after the command name (which may hold spaces) start after the last ')'.
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string v;
    unsigned long utime = 0, stime = 0;
    for (int field = 3; rest >> v; ++field) {
        if (field == 14) utime = std::stoul(v);
        if (field == 15) {
            stime = std::stoul(v);
            break;
        }
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// How the far ends protect their RTP: argv[8] of the --far-end child.
enum class Protect { Clear, Srtp, Dtls };

const char* protect_name(Protect p) {
    return p == Protect::Srtp ? "srtp" : p == Protect::Dtls ? "dtls" : "clear";
}

// The setup rows' far ends send a keyframe every 15 frames, so that the first decoded frame
// waits at most 0.5 s for one whatever the protection; the CPU rows keep 60.
std::string far_encoder(const std::string& codec, unsigned kbps, unsigned gop) {
    if (codec == "H264") {
        return fmt::format(
            "x264enc tune=zerolatency speed-preset=ultrafast threads=1 key-int-max={} bitrate={} "
            "! rtph264pay pt={} config-interval=-1",
            gop, kbps, kVideoPt);
    }
    return fmt::format(
        "vp8enc deadline=1 cpu-used=8 threads=1 keyframe-max-dist={} end-usage=cbr "
        "target-bitrate={} ! rtpvp8pay pt={}",
        gop, kbps * 1000, kVideoPt);
}

// DTLS far end (argv[9]: its certificate and key, PEM): one DTLS server per socket (rtcp-mux),
// each with its own connection id; what comes back is decrypted and dropped.
void set_up_dtls_far_end(GstElement* pipeline, const std::string& pem) {
    for (const char* kind : {"v", "a"}) {
        const std::string id = fmt::format("bench-far-{}-{}", kind, getpid());
        media::GstPtr<GstElement> dec(
            gst_bin_get_by_name(GST_BIN(pipeline), (std::string(kind) + "dec").c_str()));
        media::GstPtr<GstElement> enc(
            gst_bin_get_by_name(GST_BIN(pipeline), (std::string(kind) + "enc").c_str()));
        // The certificate before the id: the decoder makes its connection when it gets the id.
        g_object_set(dec.get(), "pem", pem.c_str(), nullptr);
        g_object_set(dec.get(), "connection-id", id.c_str(), nullptr);
        g_object_set(enc.get(), "connection-id", id.c_str(), "is-client", FALSE, nullptr);
    }
}

// Child: send a test pattern at WxH@fps and a tone from the inherited sockets (fd 3 video,
// fd 4 audio) to the gateway, and drain whatever comes back.
int run_far_end(char** argv) {
    const std::string codec = argv[2];
    const unsigned w = std::stoul(argv[3]), h = std::stoul(argv[4]), fps = std::stoul(argv[5]);
    const unsigned gw_video = std::stoul(argv[6]), gw_audio = std::stoul(argv[7]);
    const std::string mode = argv[8] != nullptr ? argv[8] : "clear";
    const bool srtp = mode == "srtp";
    const bool dtls = mode == "dtls";
    const unsigned gop = argv[9] != nullptr && argv[10] != nullptr ? std::stoul(argv[10]) : 60;
    // SDES: what comes back is drained undecrypted, only the gateway's side is measured. DTLS:
    // the far end's dtlssrtpdec must see the handshake, so it decrypts what comes back too.
    const std::string protect =
        srtp ? fmt::format("srtpenc key={} rtp-cipher=aes-128-icm rtp-auth=hmac-sha1-80 ! ",
                           kFarKeyHex)
             : std::string();
    auto out = [&](const char* kind) {
        return dtls ? fmt::format("{0}enc.rtp_sink_0 dtlssrtpenc name={0}enc ! ", kind) : protect;
    };
    auto in = [&](const char* kind) {
        return dtls ? fmt::format(
                          "udpsrc name={0}i caps=application/x-srtp ! dtlssrtpdec "
                          "name={0}dec {0}dec.rtp_src ! fakesink sync=false async=false "
                          "{0}dec.rtcp_src ! fakesink sync=false async=false",
                          kind)
                    : fmt::format("udpsrc name={}i ! fakesink sync=false async=false", kind);
    };
    gst_init(nullptr, nullptr);
    const std::string desc = fmt::format(
        "videotestsrc is-live=true pattern=smpte ! video/x-raw,width={},height={},framerate={}/1 "
        "! timeoverlay ! {} ! {}udpsink name=vo host=127.0.0.1 port={} sync=false async=false "
        "{} "
        "audiotestsrc is-live=true freq=1000 samplesperbuffer=160 ! audio/x-raw,rate=8000 ! "
        "mulawenc ! rtppcmupay ! {}udpsink name=ao host=127.0.0.1 port={} sync=false async=false "
        "{}",
        w, h, fps, far_encoder(codec, w >= 1280 ? 2000 : 800, gop), out("v"), gw_video, in("v"),
        out("a"), gw_audio, in("a"));
    GstElement* p = gst_parse_launch(desc.c_str(), nullptr);
    if (p == nullptr) return 2;
    if (dtls) {
        std::ifstream f(argv[9]);
        const std::string pem((std::istreambuf_iterator<char>(f)),
                              std::istreambuf_iterator<char>());
        set_up_dtls_far_end(p, pem);
    }
    GSocket* vs = g_socket_new_from_fd(3, nullptr);
    GSocket* as = g_socket_new_from_fd(4, nullptr);
    for (const char* n : {"vo", "vi"}) {
        GstElement* e = gst_bin_get_by_name(GST_BIN(p), n);
        g_object_set(e, "socket", vs, nullptr);
        gst_object_unref(e);
    }
    for (const char* n : {"ao", "ai"}) {
        GstElement* e = gst_bin_get_by_name(GST_BIN(p), n);
        g_object_set(e, "socket", as, nullptr);
        gst_object_unref(e);
    }
    gst_element_set_state(p, GST_STATE_PLAYING);
    GMainLoop* loop = g_main_loop_new(nullptr, FALSE);
    g_main_loop_run(loop);  // until the parent terminates us
    return 0;
}

struct FarEndProcess {
    media::GObjectPtr<GSocket> video, audio;
    core::ChildProcess child;
};

// The DTLS far ends' certificate (one for every far end of the run) and where its PEM is.
struct FarIdentity {
    sip::DtlsFingerprint fingerprint;
    std::string pem_path;
};

std::unique_ptr<FarEndProcess> spawn_far_end(const std::string& self, const std::string& codec,
                                             unsigned w, unsigned h, unsigned fps,
                                             uint16_t gw_video, uint16_t gw_audio,
                                             Protect protect = Protect::Clear,
                                             const FarIdentity* identity = nullptr,
                                             unsigned gop = 60) {
    auto far = std::make_unique<FarEndProcess>();
    far->video = std::move(media::bind_udp("127.0.0.1", 0).value());
    far->audio = std::move(media::bind_udp("127.0.0.1", 0).value());
    core::SpawnOptions opt;
    opt.fd_map = {{3, g_socket_get_fd(far->video.get())}, {4, g_socket_get_fd(far->audio.get())}};
    auto child = core::ChildProcess::spawn(
        {self, "--far-end", codec, std::to_string(w), std::to_string(h), std::to_string(fps),
         std::to_string(gw_video), std::to_string(gw_audio), protect_name(protect),
         identity != nullptr ? identity->pem_path : std::string("-"), std::to_string(gop)},
        opt);
    if (!child) {
        std::cerr << child.error().message << "\n";
        return nullptr;
    }
    far->child = std::move(child.value());
    return far;
}

sip::NegotiatedMedia negotiated_for(const FarEndProcess& far, const std::string& codec,
                                    Protect protect = Protect::Clear,
                                    const FarIdentity* identity = nullptr) {
    sip::NegotiatedMedia m;
    sip::NegotiatedStream a;
    a.kind = sip::MediaKind::Audio;
    a.remote_address = "127.0.0.1";
    a.remote_rtp_port = media::local_port(far.audio.get());
    a.remote_rtcp_port = static_cast<uint16_t>(a.remote_rtp_port + 1);
    a.codec = {"PCMU", 0, 8000, 1, {}, ""};
    m.audio = a;
    sip::NegotiatedStream v;
    v.kind = sip::MediaKind::Video;
    v.remote_address = "127.0.0.1";
    v.remote_rtp_port = media::local_port(far.video.get());
    v.remote_rtcp_port = static_cast<uint16_t>(v.remote_rtp_port + 1);
    v.codec.name = codec;
    v.codec.payload_type = kVideoPt;
    v.codec.clock_rate = 90000;
    if (codec == "H264") {
        v.codec.remote_params = {{"profile-level-id", "42e01f"}, {"packetization-mode", "1"}};
    }
    v.feedback = {true, true, false};
    m.video = v;
    for (auto* st : {&*m.audio, &*m.video}) {
        if (protect == Protect::Srtp) {
            st->protection = sip::Protection::SdesSrtp;
            st->srtp = sip::SrtpParams{"AES_CM_128_HMAC_SHA1_80", far_key(), far_key(), 0, 0, 0};
        } else if (protect == Protect::Dtls && identity != nullptr) {
            // As when answering an actpass offer: we are active (the client), rtcp-mux.
            st->protection = sip::Protection::DtlsSrtp;
            st->dtls = sip::DtlsParams{true, identity->fingerprint};
            st->rtcp_mux = true;
            st->remote_rtcp_port = st->remote_rtp_port;
        }
    }
    return m;
}

struct Measure {
    double cores = 0;
    double fps_out = 0;  // encoded frames per second (all calls)
    double fps_in = 0;   // decoded frames per second (all calls): below 30 x calls when the
                         // host (far ends included) cannot keep up; videorate then fills in
};

// Runs the loop for `seconds` after warm-up and reports CPU cores used by this process.
Measure measure(media_test::TestLoop& loop, double seconds,
                const std::function<uint64_t()>& frames_out,
                const std::function<uint64_t()>& frames_in) {
    loop.run_until([&] { return frames_out() > 30; }, 15000);  // warm up: media flows
    const double c0 = cpu_seconds();
    const uint64_t f0 = frames_out();
    const uint64_t i0 = frames_in();
    const gint64 t0 = g_get_monotonic_time();
    loop.run_until([] { return false; }, static_cast<int>(seconds * 1000));
    const double wall = static_cast<double>(g_get_monotonic_time() - t0) / 1e6;
    return {(cpu_seconds() - c0) / wall, static_cast<double>(frames_out() - f0) / wall,
            static_cast<double>(frames_in() - i0) / wall};
}

// One call per protection, `kSetupRounds` times, 360p30 H.264: the far end gets its own
// process first, then the clock runs from start() until the gateway accepted the first RTP
// packet (audio) and decoded the first video frame. Median and all samples go to `rows`.
bool measure_setup(const std::string& self, media_test::TestLoop& loop, const FarIdentity& identity,
                   nlohmann::json& rows) {
    constexpr int kSetupRounds = 5;
    constexpr unsigned kSetupGop = 15;
    core::MediaConfig cfg;
    cfg.address = "127.0.0.1";
    cfg.rtp_port_min = 30000;
    cfg.rtp_port_max = 39999;
    cfg.video_width = 640;
    cfg.video_height = 360;
    cfg.video_fps = 30;
    cfg.video_bitrate_kbps = 800;
    cfg.media_timeout_s = 0;
    media::Engine engine(cfg, core::TurnConfig{}, loop.loop());
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v.empty() ? -1.0 : v[v.size() / 2];
    };
    for (Protect protect : {Protect::Clear, Protect::Srtp, Protect::Dtls}) {
        std::vector<double> first_packet, first_frame;
        for (int round = 0; round < kSetupRounds; ++round) {
            auto cm = engine.create_call("setup" + std::to_string(round), "127.0.0.1", {});
            if (!cm) {
                std::cerr << cm.error().message << "\n";
                return false;
            }
            auto ports = cm.value()->local_ports();
            auto far = spawn_far_end(self, "H264", 640, 360, 30, ports.video_rtp, ports.audio_rtp,
                                     protect, &identity, kSetupGop);
            if (!far) return false;
            // The far end's own start (process, GStreamer, encoder) is not the call's set-up:
            // give it time to run (its packets wait in our sockets; a DTLS far end waits for
            // our ClientHello).
            loop.run_until([] { return false; }, 2000);
            const auto t0 = std::chrono::steady_clock::now();
            auto st = cm.value()->start(negotiated_for(*far, "H264", protect, &identity),
                                        media::Mode::Echo);
            if (!st) {
                std::cerr << st.error().message << "\n";
                return false;
            }
            auto ms_since = [&] {
                return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                                 t0)
                    .count();
            };
            double packet_ms = -1;
            double frame_ms = -1;
            loop.run_until(
                [&] {
                    const auto stats = cm.value()->stats();
                    if (packet_ms < 0 && stats.audio && stats.audio->packets_in > 0)
                        packet_ms = ms_since();
                    if (frame_ms < 0 && stats.video && stats.video->frames_decoded > 0)
                        frame_ms = ms_since();
                    return packet_ms >= 0 && frame_ms >= 0;
                },
                20000);
            first_packet.push_back(packet_ms);
            first_frame.push_back(frame_ms);
            cm.value().reset();
            far->child.terminate();
        }
        rows.push_back({{"what", std::string("setup_") + protect_name(protect)},
                        {"codec", "H264"},
                        {"resolution", "360p30"},
                        {"far_end_keyframe_interval_frames", kSetupGop},
                        {"ms_to_first_packet_median", median(first_packet)},
                        {"ms_to_first_decoded_frame_median", median(first_frame)},
                        {"ms_to_first_packet", first_packet},
                        {"ms_to_first_decoded_frame", first_frame}});
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 9 && std::strcmp(argv[1], "--far-end") == 0) return run_far_end(argv);
    double seconds = 8;
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::stod(argv[i + 1]);
    }
    char self_path[4096] = {};
    const ssize_t n = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
    const std::string self = n > 0 ? std::string(self_path, static_cast<size_t>(n)) : argv[0];

    core::log_init("warn");  // JSON alone on stdout
    gst_init(nullptr, nullptr);
    media_test::TestLoop loop;
    nlohmann::json out;
    out["measure_seconds"] = seconds;
    out["cpu_cores_on_host"] = sysconf(_SC_NPROCESSORS_ONLN);
    {
        // The host's load when the run starts: figures taken on a busy host are inflated, and
        // only the rows of one run compare with each other.
        std::ifstream loadavg("/proc/loadavg");
        double one = 0;
        if (loadavg >> one) out["host_load_1min_at_start"] = one;
    }
    out["results"] = nlohmann::json::array();

    // The DTLS far ends' certificate, written where the children read it.
    auto far_cert = media::make_dtls_identity();
    if (!far_cert) {
        std::cerr << far_cert.error().message << "\n";
        return 1;
    }
    FarIdentity far_identity;
    far_identity.fingerprint = *sip::parse_fingerprint(far_cert->fingerprint);
    far_identity.pem_path =
        (std::filesystem::temp_directory_path() / fmt::format("media_echo_bench-{}.pem", getpid()))
            .string();
    std::ofstream(far_identity.pem_path) << far_cert->pem;
    struct RemovePem {
        std::string path;
        ~RemovePem() { std::filesystem::remove(path); }
    } remove_pem{far_identity.pem_path};

    out["setup"] = nlohmann::json::array();
    if (!measure_setup(self, loop, far_identity, out["setup"])) return 1;
    struct Res {
        const char* name;
        unsigned w, h, kbps;
    };
    for (const Res r : {Res{"720p30", 1280, 720, 2000}, Res{"360p30", 640, 360, 800}}) {
        for (const std::string codec : {"H264", "VP8"}) {
            core::MediaConfig cfg;
            cfg.address = "127.0.0.1";
            cfg.rtp_port_min = 30000;
            cfg.rtp_port_max = 39999;
            cfg.video_width = r.w;
            cfg.video_height = r.h;
            cfg.video_fps = 30;
            cfg.video_bitrate_kbps = r.kbps;
            cfg.media_timeout_s = 0;

            // Baseline: the same decode/scale/overlay/encode chain in a bare pipeline
            // (udpsrc → jitter buffer → chain → udpsink), no rtpbin, no engine.
            double baseline = -1;
            {
                auto gw = media::bind_udp("127.0.0.1", 0);
                auto far =
                    spawn_far_end(self, codec, r.w, r.h, 30, media::local_port(gw->get()), 9);
                if (!far) return 1;
                auto nm = negotiated_for(*far, codec);
                auto chain = media::echo_chain_description(
                    *nm.video, media::VideoFormat{r.w, r.h, 30, r.kbps});
                const std::string desc = fmt::format(
                    "udpsrc name=in caps=\"application/x-rtp,media=video,clock-rate=90000,"
                    "encoding-name={},payload={}\" ! rtpjitterbuffer latency=80 ! {} ! "
                    "udpsink name=out host=127.0.0.1 port={} sync=false async=false",
                    codec, kVideoPt, *chain, nm.video->remote_rtp_port);
                GstElement* p = gst_parse_launch(desc.c_str(), nullptr);
                media::GstPtr<GstElement> pipeline(p);
                for (const char* name : {"in", "out"}) {
                    media::GstPtr<GstElement> e(gst_bin_get_by_name(GST_BIN(p), name));
                    g_object_set(e.get(), "socket", gw->get(), "close-socket", FALSE, nullptr);
                }
                std::atomic<uint64_t> frames{0};
                media::GstPtr<GstElement> enc(gst_bin_get_by_name(GST_BIN(p), "enc"));
                media::GstPtr<GstPad> src(gst_element_get_static_pad(enc.get(), "src"));
                gst_pad_add_probe(
                    src.get(), GST_PAD_PROBE_TYPE_BUFFER,
                    [](GstPad*, GstPadProbeInfo*, gpointer d) {
                        (*static_cast<std::atomic<uint64_t>*>(d))++;
                        return GST_PAD_PROBE_OK;
                    },
                    &frames, nullptr);
                gst_element_set_state(p, GST_STATE_PLAYING);
                std::atomic<uint64_t> decoded{0};
                media::GstPtr<GstElement> dec(gst_bin_get_by_name(GST_BIN(p), "dec"));
                media::GstPtr<GstPad> dec_src(gst_element_get_static_pad(dec.get(), "src"));
                gst_pad_add_probe(
                    dec_src.get(), GST_PAD_PROBE_TYPE_BUFFER,
                    [](GstPad*, GstPadProbeInfo*, gpointer d) {
                        (*static_cast<std::atomic<uint64_t>*>(d))++;
                        return GST_PAD_PROBE_OK;
                    },
                    &decoded, nullptr);
                auto m = measure(
                    loop, seconds, [&] { return frames.load(); }, [&] { return decoded.load(); });
                baseline = m.cores;
                out["results"].push_back({{"what", "baseline_pipeline"},
                                          {"codec", codec},
                                          {"resolution", r.name},
                                          {"calls", 1},
                                          {"cpu_cores", m.cores},
                                          {"fps_out_per_call", m.fps_out},
                                          {"fps_decoded_per_call", m.fps_in}});
                gst_element_set_state(p, GST_STATE_NULL);
                far->child.terminate();
            }
            std::map<int, double> clear_per_call;
            struct Run {
                Protect protect;
                int calls;
            };
            for (const Run run :
                 {Run{Protect::Clear, 1}, Run{Protect::Clear, 2}, Run{Protect::Clear, 4},
                  Run{Protect::Srtp, 1}, Run{Protect::Srtp, 2}, Run{Protect::Dtls, 1},
                  Run{Protect::Dtls, 2}}) {
                const Protect protect = run.protect;
                const int calls = run.calls;
                media::Engine engine(cfg, core::TurnConfig{}, loop.loop());
                std::vector<std::unique_ptr<media::CallMedia>> cms;
                std::vector<std::unique_ptr<FarEndProcess>> fars;
                for (int i = 0; i < calls; ++i) {
                    auto cm = engine.create_call("bench" + std::to_string(i), "127.0.0.1", {});
                    if (!cm) {
                        std::cerr << cm.error().message << "\n";
                        return 1;
                    }
                    auto ports = cm.value()->local_ports();
                    auto far = spawn_far_end(self, codec, r.w, r.h, 30, ports.video_rtp,
                                             ports.audio_rtp, protect, &far_identity);
                    if (!far) return 1;
                    auto st = cm.value()->start(negotiated_for(*far, codec, protect, &far_identity),
                                                media::Mode::Echo);
                    if (!st) {
                        std::cerr << st.error().message << "\n";
                        return 1;
                    }
                    cms.push_back(std::move(cm.value()));
                    fars.push_back(std::move(far));
                }
                auto frames = [&] {
                    uint64_t total = 0;
                    for (auto& c : cms) total += c->stats().video->frames_encoded;
                    return total;
                };
                auto decoded = [&] {
                    uint64_t total = 0;
                    for (auto& c : cms) total += c->stats().video->frames_decoded;
                    return total;
                };
                auto m = measure(loop, seconds, frames, decoded);
                if (protect == Protect::Clear) clear_per_call[calls] = m.cores / calls;
                const char* what = protect == Protect::Srtp   ? "gateway_echo_srtp"
                                   : protect == Protect::Dtls ? "gateway_echo_dtls"
                                                              : "gateway_echo";
                out["results"].push_back({{"what", what},
                                          {"codec", codec},
                                          {"resolution", r.name},
                                          {"calls", calls},
                                          {"cpu_cores", m.cores},
                                          {"cpu_cores_per_call", m.cores / calls},
                                          {"fps_out_per_call", m.fps_out / calls},
                                          {"fps_decoded_per_call", m.fps_in / calls},
                                          {"ratio_to_baseline_per_call",
                                           baseline > 0 ? m.cores / calls / baseline : 0.0}});
                if (protect != Protect::Clear && clear_per_call.contains(calls)) {
                    // What SDES- or DTLS-SRTP adds per call over the clear echo with as many
                    // calls (DTLS: the handshake is before the window; this is the steady state).
                    out["results"].back()[protect == Protect::Srtp ? "srtp_extra_cores_per_call"
                                                                   : "dtls_extra_cores_per_call"] =
                        m.cores / calls - clear_per_call[calls];
                }
                cms.clear();
                for (auto& f : fars) f->child.terminate();
            }
        }
    }
    std::cout << out.dump(2) << std::endl;
    return 0;
}
