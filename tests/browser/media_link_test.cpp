// The page bridge (assets/bridge/media_bridge.js) against the gateway's real webrtcbin end
// (media::WebRtcLink) over 127.0.0.1, signalled over DevTools. Both directions carry a tone and
// video, and each end proves what it received: frames decoded (with their size) and the tone's
// frequency, so silence or a wrong source cannot pass.
#include "browser_fixture.hpp"
#include "http_server.hpp"
#include "loopback_guard.hpp"
#include "media/webrtc_link.hpp"
#include "support/temp_dir.hpp"
#include "support/tone.hpp"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <mutex>
#include <sstream>
#include <vector>

namespace {

using browser::Json;

using testsupport::read_file;

// What the gateway received from the page, filled on GStreamer threads.
struct Received {
    std::atomic<int> video_frames{0};
    std::atomic<int> width{0};
    std::atomic<int> height{0};
    std::mutex mutex;
    std::vector<int16_t> audio;  // last second, mono 48 kHz

    void clear_audio() {
        std::lock_guard lock(mutex);
        audio.clear();
    }

    // Frequency from zero crossings of the last second; 0 when it is (near) silence.
    double tone_hz() {
        std::lock_guard lock(mutex);
        if (audio.size() < 24000) return 0;
        double energy = 0;
        int crossings = 0;
        for (size_t i = 1; i < audio.size(); ++i) {
            energy += double(audio[i]) * audio[i];
            if ((audio[i - 1] < 0) != (audio[i] < 0)) ++crossings;
        }
        const double rms = std::sqrt(energy / double(audio.size()));
        if (rms < 300) return 0;
        return crossings / 2.0 * 48000.0 / double(audio.size());
    }

    // Share of the last second's energy at `hz` (Goertzel over 100 ms blocks, so a tone a few
    // Hz off still counts): ≈1 for that tone alone, ≈0.5 each for two equal tones, ≈0 without
    // it. Zero crossings cannot tell two tones apart reliably: their sum beats, and near each
    // beat's null codec noise adds crossings (852 Hz read for 660 + 880 on a loaded host).
    double share(double hz) {
        std::lock_guard lock(mutex);
        return testsupport::tone_share(audio, hz, 48000, 4800);
    }
};

GstFlowReturn on_video_sample(GstAppSink* sink, gpointer data) {
    auto* r = static_cast<Received*>(data);
    GstSample* sample = gst_app_sink_pull_sample(sink);
    if (sample == nullptr) return GST_FLOW_OK;
    if (const GstCaps* caps = gst_sample_get_caps(sample)) {
        const GstStructure* s = gst_caps_get_structure(caps, 0);
        int w = 0;
        int h = 0;
        gst_structure_get_int(s, "width", &w);
        gst_structure_get_int(s, "height", &h);
        r->width = w;
        r->height = h;
    }
    ++r->video_frames;
    gst_sample_unref(sample);
    return GST_FLOW_OK;
}

GstFlowReturn on_audio_sample(GstAppSink* sink, gpointer data) {
    auto* r = static_cast<Received*>(data);
    GstSample* sample = gst_app_sink_pull_sample(sink);
    if (sample == nullptr) return GST_FLOW_OK;
    GstBuffer* buf = gst_sample_get_buffer(sample);
    GstMapInfo map;
    if (buf != nullptr && gst_buffer_map(buf, &map, GST_MAP_READ)) {
        const auto* pcm = reinterpret_cast<const int16_t*>(map.data);
        std::lock_guard lock(r->mutex);
        r->audio.insert(r->audio.end(), pcm, pcm + map.size / 2);
        if (r->audio.size() > 48000) r->audio.erase(r->audio.begin(), r->audio.end() - 48000);
        gst_buffer_unmap(buf, &map);
    }
    gst_sample_unref(sample);
    return GST_FLOW_OK;
}

// The page's stream, decoded into an appsink (runs on a GStreamer thread).
void link_incoming(GstElement* pipeline, GstPad* pad, bool video, Received* r) {
    const char* desc = video ? "queue ! rtpvp8depay ! vp8dec ! videoconvert ! appsink name=s "
                               "emit-signals=true sync=false"
                             : "queue ! rtpopusdepay ! opusdec ! audioconvert ! audioresample ! "
                               "audio/x-raw,format=S16LE,rate=48000,channels=1 ! appsink name=s "
                               "emit-signals=true sync=false";
    GError* err = nullptr;
    GstElement* bin = gst_parse_bin_from_description(desc, TRUE, &err);
    if (bin == nullptr) {
        g_clear_error(&err);
        return;
    }
    GstElement* sink = gst_bin_get_by_name(GST_BIN(bin), "s");
    g_signal_connect(sink, "new-sample", G_CALLBACK(video ? on_video_sample : on_audio_sample), r);
    gst_object_unref(sink);
    gst_bin_add(GST_BIN(pipeline), bin);
    gst_element_sync_state_with_parent(bin);
    GstPad* sinkpad = gst_element_get_static_pad(bin, "sink");
    gst_pad_link(pad, sinkpad);
    gst_object_unref(sinkpad);
}

// A "meeting": it takes the camera and microphone from getUserMedia and measures them (frames,
// size, tone frequency); a remote participant sends an 880 Hz tone through a peer connection
// (the bridge must mix it for the caller); the page animates so tab capture has frames.
const char* kMeeting = R"HTML(<!doctype html><html><body style="margin:0">
<canvas id="c" width="1280" height="720"></canvas><video id="v" autoplay muted></video>
<script>
window.__result = {frames: 0, width: 0, height: 0, peakHz: 0, levelDb: -200, error: null};
(async () => {
  const g = document.getElementById('c').getContext('2d');
  let n = 0;
  (function draw() { g.fillStyle = 'hsl(' + (n++ % 360) + ',80%,50%)';
                     g.fillRect(0, 0, 1280, 720); requestAnimationFrame(draw); })();
  const s = await navigator.mediaDevices.getUserMedia({audio: true, video: true});
  const v = document.getElementById('v');
  v.srcObject = s;
  const count = () => { const r = window.__result; r.frames++; r.width = v.videoWidth;
                        r.height = v.videoHeight; v.requestVideoFrameCallback(count); };
  v.requestVideoFrameCallback(count);
  const ac = new AudioContext();
  const an = ac.createAnalyser();
  an.fftSize = 8192;
  ac.createMediaStreamSource(s).connect(an);
  setInterval(() => {
    const d = new Float32Array(an.frequencyBinCount);
    an.getFloatFrequencyData(d);
    let best = 1;
    for (let i = 2; i < d.length; i++) if (d[i] > d[best]) best = i;
    window.__result.peakHz = best * ac.sampleRate / an.fftSize;
    window.__result.levelDb = d[best];
  }, 200);
  // A remote participant sending a tone of `hz`, over loopback only.
  window.__participant = async (hz) => {
    const a = new RTCPeerConnection({iceServers: []});
    const b = new RTCPeerConnection({iceServers: []});
    const pass = (x, y) => x.onicecandidate = (e) => {
      if (e.candidate && / 127\.0\.0\.1 /.test(e.candidate.candidate)) y.addIceCandidate(e.candidate);
    };
    pass(a, b); pass(b, a);
    const osc = ac.createOscillator();
    osc.frequency.value = hz;
    const gain = ac.createGain();
    gain.gain.value = 0.4;
    const dst = ac.createMediaStreamDestination();
    osc.connect(gain).connect(dst);
    osc.start();
    a.addTrack(dst.stream.getAudioTracks()[0], dst.stream);
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription);
  };
  await window.__participant(880);
})().catch((e) => { window.__result.error = String(e); });
</script></body></html>)HTML";

// Where the meeting runs: the tab itself, or an iframe of a host page (an IFrame API).
enum class Layout { Top, CrossOriginIframe, SameOriginIframe };

class MediaLinkTest : public browser_test::BrowserFixture {
protected:
    void run_link(Layout layout);
};

TEST_F(MediaLinkTest, ToneAndVideoBothWaysBetweenWebrtcbinAndThePage) {
    run_link(Layout::Top);
}

TEST_F(MediaLinkTest, ToneAndVideoBothWaysWithTheMeetingInACrossOriginIframe) {
    run_link(Layout::CrossOriginIframe);
}

// Jitsi's IFrame API: host page and meeting share an origin, hence one renderer and one DevTools
// session; only the execution context tells the iframe (which asked for media) from its parent
// (which also runs the bridge).
TEST_F(MediaLinkTest, ToneAndVideoBothWaysWithTheMeetingInASameOriginIframe) {
    run_link(Layout::SameOriginIframe);
}

void MediaLinkTest::run_link(Layout layout) {
    const bool in_iframe = layout != Layout::Top;
    // Nothing of this link may show up on another interface.
    browser_test::LoopbackGuard guard;
    ASSERT_TRUE(guard.ok()) << guard.error();
    browser_test::HttpServer http;
    http.add("/meeting.html", kMeeting);
    http.add("/outer.html",
             "<!doctype html><html><body style=\"margin:0;overflow:hidden\"><iframe src=\"" +
                 http.url(layout == Layout::SameOriginIframe ? "127.0.0.1" : "localhost",
                          "/meeting.html") +
                 "\" allow=\"camera; microphone; display-capture; autoplay\" "
                 "style=\"border:0;width:100vw;height:100vh\"></iframe></body></html>");
    const std::string origin = "http://127.0.0.1:" + std::to_string(http.port());

    auto b = launch_ready();
    ASSERT_TRUE(b);
    std::optional<core::Status> granted;
    // Without camera/microphone permission Chrome offers no 127.0.0.1 candidate.
    b->grant_permissions(origin, [&](core::Status st) { granted = std::move(st); });
    ASSERT_TRUE(run_until([&] { return granted.has_value(); }));
    ASSERT_TRUE(granted->ok()) << granted->error().message;

    browser::PageOptions options;
    const std::string bridge =
        read_file(std::string(SIPMEDIAGW_ASSETS_DIR) + "/bridge/media_bridge.js");
    ASSERT_FALSE(bridge.empty());
    options.scripts = {bridge};
    options.bindings = {"__smgwSignal"};
    options.viewport_width = 1280;
    options.viewport_height = 720;
    auto page = open_page(*b, options);
    ASSERT_TRUE(page);

    Received received;
    media::WebRtcLinkOptions link_options;
    link_options.video_send =
        "videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=360,framerate=30/1 "
        "! videoconvert ! vp8enc deadline=1 threads=1 ! rtpvp8pay pt=96";
    link_options.audio_send =
        "audiotestsrc is-live=true wave=sine freq=440 volume=0.5 ! audioconvert ! audioresample ! "
        "opusenc ! rtpopuspay pt=97";
    browser::FrameContext bridge_frame;
    bool hello = false;
    browser::Page* p = page.get();
    GstElement* pipeline = nullptr;
    auto link = media::WebRtcLink::create(
        link_options, [this](std::function<void()> fn) { loop_->post(std::move(fn)); },
        [&](const Json& msg) {
            p->evaluate_in(bridge_frame, "__smgwBridge.receive(" + msg.dump() + ")",
                           [](core::Result<Json>) {});
        },
        [&](GstPad* pad, bool video) { link_incoming(pipeline, pad, video, &received); });
    ASSERT_TRUE(link.ok()) << link.error().message;
    pipeline = (*link)->pipeline();
    std::vector<std::string> bridge_errors;
    std::vector<std::string> candidates_from_page;
    page->on_binding([&](const std::string& name, const std::string& payload,
                         const browser::FrameContext& from) {
        if (name != "__smgwSignal") return;
        const Json msg = Json::parse(payload);
        const std::string type = msg.value("type", "");
        if (type == "hello") {
            bridge_frame = from;
            hello = true;
            ASSERT_TRUE((*link)->start().ok());
        } else if (type == "capture") {
            // The sharing bar took some of the view: give the view its 1280x720 back.
            if (msg.value("innerHeight", 0) != 720 || msg.value("innerWidth", 0) != 1280)
                p->fit_viewport(1280, 720, [p, from](core::Status st) {
                    if (st)
                        p->evaluate_in(from, "__smgwBridge.fitCapture()",
                                       [](core::Result<Json>) {});
                });
        } else if (type == "error") {
            bridge_errors.push_back(msg.value("message", ""));
        } else {
            if (type == "candidate") candidates_from_page.push_back(msg.value("candidate", ""));
            (*link)->receive(msg);
        }
    });

    ASSERT_TRUE(
        navigate(*page, http.url("127.0.0.1", in_iframe ? "/outer.html" : "/meeting.html")).ok());
    ASSERT_TRUE(run_until([&] { return hello; }));
    // The link lives in the frame that asked for media, never in the host page.
    EXPECT_EQ(bridge_frame.top, !in_iframe);
    EXPECT_NE(bridge_frame.context_id, 0);
    if (layout == Layout::CrossOriginIframe) {
        EXPECT_NE(bridge_frame.session_id, page->session_id());
    } else {
        EXPECT_EQ(bridge_frame.session_id, page->session_id());
    }
    const Json result = poll_evaluate(
        *page, "window.__result",
        [](const Json& r) {
            return r.is_object() && r["frames"].get<int>() >= 30 &&
                   std::abs(r["peakHz"].get<double>() - 440) < 30;
        },
        std::chrono::seconds(60), bridge_frame);
    const bool page_ok = result.is_object() && result["frames"].get<int>() >= 30 &&
                         std::abs(result["peakHz"].get<double>() - 440) < 30;
    const bool gateway_ok = run_until(
        [&] { return received.video_frames >= 30 && std::abs(received.tone_hz() - 880) < 40; },
        std::chrono::seconds(60));
    auto stats = evaluate(*page,
                          "__smgwBridge.state() + '/' + __smgwBridge.mixedTrackCount() + '/' + "
                          "JSON.stringify(__smgwBridge.captureSettings()) + '/' + innerWidth + "
                          "'x' + innerHeight",
                          bridge_frame);
    if (stats.ok()) std::printf("[ measure ] bridge %s\n", stats->dump().c_str());

    // Gateway → page: the camera is our 640x360 test video, the microphone our 440 Hz tone.
    EXPECT_TRUE(page_ok) << result.dump() << " link=" << (*link)->ice_state()
                         << " errors=" << bridge_errors.size();
    EXPECT_TRUE(result["error"].is_null()) << result.dump();
    EXPECT_EQ(result["width"], 640);
    EXPECT_EQ(result["height"], 360);
    EXPECT_GT(result["levelDb"].get<double>(), -60.0) << result.dump();
    // Page → gateway: tab capture frames and the meeting's 880 Hz participant, mixed.
    EXPECT_TRUE(gateway_ok) << "frames=" << received.video_frames << " hz=" << received.tone_hz()
                            << " bridge=" << (stats.ok() ? stats->dump() : stats.error().message);
    EXPECT_GT(received.width.load(), 0);
    // What tab capture produces (the encoder may still scale it down under CPU load).
    const Json capture = poll_evaluate(
        *page, "__smgwBridge.captureSettings()",
        [](const Json& c) { return c.is_object() && c["width"] == 1280 && c["height"] == 720; },
        std::chrono::seconds(30), bridge_frame);
    EXPECT_TRUE(capture.is_object() && capture["width"] == 1280 && capture["height"] == 720)
        << capture.dump();
    for (const auto& e : bridge_errors) ADD_FAILURE() << "bridge error: " << e;
    if (layout == Layout::Top) {
        // The route the page reports, then what the gateway hears from then on (each tone's
        // share of the last second).
        const auto expect_route = [&](const char* want, double a880, double a660) {
            const Json route = poll_evaluate(
                *page, "__smgwBridge.audioRoute()",
                [want](const Json& r) { return r.is_string() && r == want; },
                std::chrono::seconds(30), bridge_frame);
            EXPECT_EQ(route, want);
            received.clear_audio();
            // Each voice carries at least the given share of what the gateway hears (a660 = 0:
            // the 660 Hz voice must be absent).
            const auto heard = [&] {
                const double s880 = received.share(880);
                const double s660 = received.share(660);
                return s880 >= a880 && (a660 > 0 ? s660 >= a660 : s660 < 0.05);
            };
            EXPECT_TRUE(run_until(heard, std::chrono::seconds(30)))
                << want << ": 880 Hz " << received.share(880) << ", 660 Hz " << received.share(660)
                << " of the energy";
        };
        // Once the join is done, the one remote voice goes to the link as its own track (the
        // mix's context suspended): the gateway still hears it.
        ASSERT_TRUE(evaluate(*page, "__smgwBridge.joined()", bridge_frame).ok());
        expect_route("direct", 0.6, 0);
        // A second voice (660 Hz): both through the mix again, heard together.
        ASSERT_TRUE(evaluate(*page, "(__participant(660), true)", bridge_frame).ok());
        expect_route("mix", 0.2, 0.2);
    }
    // The link runs on loopback at both ends.
    const Json pair = poll_evaluate(
        *page, "__smgwBridge.selectedPair()", [](const Json& p) { return p.is_object(); },
        std::chrono::seconds(30), bridge_frame);
    ASSERT_TRUE(pair.is_object()) << pair.dump();
    EXPECT_EQ(pair["local"].get<std::string>().rfind("127.0.0.1:", 0), 0U) << pair.dump();
    EXPECT_EQ(pair["remote"].get<std::string>().rfind("127.0.0.1:", 0), 0U) << pair.dump();
    std::printf(
        "[ measure ] page received %dx%d, %d frames, tone %.0f Hz; gateway received "
        "%dx%d, %d frames, tone %.0f Hz\n",
        result["width"].get<int>(), result["height"].get<int>(), result["frames"].get<int>(),
        result["peakHz"].get<double>(), received.width.load(), received.height.load(),
        received.video_frames.load(), received.tone_hz());
    page.reset();
    link->reset();  // joins GStreamer threads before `received` goes away
    std::printf("[ measure ] watched %zu other interface(s) for loopback leaks\n",
                guard.interfaces());
    const auto leaked = guard.stop();
    for (const auto& line : leaked) ADD_FAILURE() << "left loopback: " << line;
}

TEST(WebRtcLinkCandidates, OnlyLoopbackCandidatesPass) {
    EXPECT_TRUE(media::WebRtcLink::loopback_candidate(
        "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0"));
    EXPECT_FALSE(media::WebRtcLink::loopback_candidate(
        "candidate:2 1 udp 2122260223 10.1.2.3 50000 typ host generation 0"));
    EXPECT_FALSE(media::WebRtcLink::loopback_candidate("candidate:3 1 udp 1 ::1 5 typ host"));
    const std::string sdp = media::WebRtcLink::keep_loopback_candidates(
        "v=0\r\na=candidate:1 1 udp 1 127.0.0.1 5 typ host\r\n"
        "a=candidate:2 1 udp 1 192.168.1.2 6 typ host\r\na=end-of-candidates\r\n");
    EXPECT_NE(sdp.find("127.0.0.1"), std::string::npos);
    EXPECT_EQ(sdp.find("192.168.1.2"), std::string::npos);
    EXPECT_NE(sdp.find("a=end-of-candidates"), std::string::npos);
}

}  // namespace
