// CPU of the echo room per call, next to a plain GStreamer pipeline doing the same
// decode → scale/overlay → encode work, measured in the same run; prints JSON. SRTP rows
// (gateway_echo_srtp: SDES AES_CM_128_HMAC_SHA1_80 both ways, the far ends encrypt too) say what
// encryption costs per call next to the clear rows of the same run.
//
// The far ends (test-pattern + tone senders) run in child processes (this binary with
// --far-end) so that only the gateway side is counted: CPU is utime+stime of this process from
// /proc/self/stat over a fixed window.
#include "core/child_process.hpp"
#include "core/log.hpp"
#include "media/codec_chain.hpp"
#include "media/engine.hpp"
#include "media/rtp_sockets.hpp"
#include "test_loop.hpp"

#include <gst/gst.h>
#include <unistd.h>

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

std::string far_encoder(const std::string& codec, unsigned kbps) {
    if (codec == "H264") {
        return fmt::format(
            "x264enc tune=zerolatency speed-preset=ultrafast threads=1 key-int-max=60 bitrate={} "
            "! rtph264pay pt={} config-interval=-1",
            kbps, kVideoPt);
    }
    return fmt::format(
        "vp8enc deadline=1 cpu-used=8 threads=1 keyframe-max-dist=60 end-usage=cbr "
        "target-bitrate={} ! rtpvp8pay pt={}",
        kbps * 1000, kVideoPt);
}

// Child: send a test pattern at WxH@fps and a tone from the inherited sockets (fd 3 video,
// fd 4 audio) to the gateway, and drain whatever comes back.
int run_far_end(char** argv) {
    const std::string codec = argv[2];
    const unsigned w = std::stoul(argv[3]), h = std::stoul(argv[4]), fps = std::stoul(argv[5]);
    const unsigned gw_video = std::stoul(argv[6]), gw_audio = std::stoul(argv[7]);
    const bool srtp = argv[8] != nullptr && std::strcmp(argv[8], "srtp") == 0;
    // What comes back is drained undecrypted: only the gateway's side is measured.
    const std::string protect =
        srtp ? fmt::format("srtpenc key={} rtp-cipher=aes-128-icm rtp-auth=hmac-sha1-80 ! ",
                           kFarKeyHex)
             : std::string();
    gst_init(nullptr, nullptr);
    const std::string desc = fmt::format(
        "videotestsrc is-live=true pattern=smpte ! video/x-raw,width={},height={},framerate={}/1 "
        "! timeoverlay ! {} ! {}udpsink name=vo host=127.0.0.1 port={} sync=false async=false "
        "udpsrc name=vi ! fakesink sync=false async=false "
        "audiotestsrc is-live=true freq=1000 samplesperbuffer=160 ! audio/x-raw,rate=8000 ! "
        "mulawenc ! rtppcmupay ! {}udpsink name=ao host=127.0.0.1 port={} sync=false async=false "
        "udpsrc name=ai ! fakesink sync=false async=false",
        w, h, fps, far_encoder(codec, w >= 1280 ? 2000 : 800), protect, gw_video, protect,
        gw_audio);
    GstElement* p = gst_parse_launch(desc.c_str(), nullptr);
    if (p == nullptr) return 2;
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

std::unique_ptr<FarEndProcess> spawn_far_end(const std::string& self, const std::string& codec,
                                             unsigned w, unsigned h, unsigned fps,
                                             uint16_t gw_video, uint16_t gw_audio,
                                             bool srtp = false) {
    auto far = std::make_unique<FarEndProcess>();
    far->video = std::move(media::bind_udp("127.0.0.1", 0).value());
    far->audio = std::move(media::bind_udp("127.0.0.1", 0).value());
    core::SpawnOptions opt;
    opt.fd_map = {{3, g_socket_get_fd(far->video.get())}, {4, g_socket_get_fd(far->audio.get())}};
    auto child = core::ChildProcess::spawn(
        {self, "--far-end", codec, std::to_string(w), std::to_string(h), std::to_string(fps),
         std::to_string(gw_video), std::to_string(gw_audio), srtp ? "srtp" : "clear"},
        opt);
    if (!child) {
        std::cerr << child.error().message << "\n";
        return nullptr;
    }
    far->child = std::move(child.value());
    return far;
}

sip::NegotiatedMedia negotiated_for(const FarEndProcess& far, const std::string& codec,
                                    bool srtp = false) {
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
    if (srtp) {
        for (auto* st : {&*m.audio, &*m.video}) {
            st->protection = sip::Protection::SdesSrtp;
            st->srtp = sip::SrtpParams{"AES_CM_128_HMAC_SHA1_80", far_key(), far_key(), 0, 0, 0};
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
    out["results"] = nlohmann::json::array();
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
                bool srtp;
                int calls;
            };
            for (const Run run :
                 {Run{false, 1}, Run{false, 2}, Run{false, 4}, Run{true, 1}, Run{true, 2}}) {
                const bool srtp = run.srtp;
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
                                             ports.audio_rtp, srtp);
                    if (!far) return 1;
                    auto st =
                        cm.value()->start(negotiated_for(*far, codec, srtp), media::Mode::Echo);
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
                if (!srtp) clear_per_call[calls] = m.cores / calls;
                out["results"].push_back({{"what", srtp ? "gateway_echo_srtp" : "gateway_echo"},
                                          {"codec", codec},
                                          {"resolution", r.name},
                                          {"calls", calls},
                                          {"cpu_cores", m.cores},
                                          {"cpu_cores_per_call", m.cores / calls},
                                          {"fps_out_per_call", m.fps_out / calls},
                                          {"fps_decoded_per_call", m.fps_in / calls},
                                          {"ratio_to_baseline_per_call",
                                           baseline > 0 ? m.cores / calls / baseline : 0.0}});
                if (srtp && clear_per_call.contains(calls)) {
                    // What SDES-SRTP adds per call over the clear echo with as many calls.
                    out["results"].back()["srtp_extra_cores_per_call"] =
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
