// Video passthrough over the real link (issue 4): media::MeetingBridge with a PassthroughVideo
// against the real page bridge (assets/bridge/media_bridge.js) in Chromium. The "caller" is a
// real encoder (x264enc / vp8enc) feeding the to-page encoded channel, as the call's SIP side
// does after depayloading; what the page encodes arrives on the from-page channel. Proves:
// - the page decodes the caller's own codec (H.264 mode 1, mode 0, VP8), with no decoder or
//   encoder in the gateway (the bridge's counters stay 0);
// - the page encodes the caller's codec back, within the caller's limits (size, rate), and in
//   mode 0 with every NAL unit small enough for one RTP packet;
// - keyframe requests cross the link both ways: the page's stream starts without a keyframe, so
//   Chromium sends PLI, which must reach the caller's encoder (it makes no keyframe unasked: huge
//   GOP) before the page can decode anything; and a request from the gateway (what a SIP
//   PLI/FIR/INFO becomes) makes the page's encoder send a keyframe (PLI on the link).
#include "browser_fixture.hpp"
#include "http_server.hpp"
#include "loopback_guard.hpp"
#include "media/encoded_channel.hpp"
#include "media/meeting_bridge.hpp"
#include "media/passthrough.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pipeline.hpp"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <sstream>

namespace {

using browser::Json;
using namespace std::chrono_literals;

using testsupport::read_file;

// The meeting: takes the camera from getUserMedia and counts its frames; animates so tab capture
// (the page's video back to the caller) always has new frames.
const char* kMeeting = R"HTML(<!doctype html><html><body style="margin:0">
<canvas id="c" width="1280" height="720"></canvas><video id="v" autoplay muted></video>
<script>
window.__result = {frames: 0, width: 0, height: 0, error: null};
(async () => {
  const g = document.getElementById('c').getContext('2d');
  let n = 0;
  (function draw() { g.fillStyle = 'hsl(' + (n++ % 360) + ',80%,50%)';
                     g.fillRect(0, 0, 1280, 720);
                     g.fillStyle = '#000'; g.fillRect((n * 7) % 1200, 300, 80, 80);
                     requestAnimationFrame(draw); })();
  const s = await navigator.mediaDevices.getUserMedia({audio: true, video: true});
  const v = document.getElementById('v');
  v.srcObject = s;
  const count = () => { const r = window.__result; r.frames++; r.width = v.videoWidth;
                        r.height = v.videoHeight; v.requestVideoFrameCallback(count); };
  v.requestVideoFrameCallback(count);
})().catch((e) => { window.__result.error = String(e); });
</script></body></html>)HTML";

struct CodecCase {
    const char* name;
    const char* codec;
    bool single_nal;
};

// What the gateway got from the page: the largest H.264 NAL unit (mode 0 must fit one packet).
struct FromPage {
    std::atomic<size_t> max_nal{0};
    std::atomic<int> width{0};
};

GstFlowReturn on_from_page(GstAppSink* sink, gpointer data) {
    auto* r = static_cast<FromPage*>(data);
    GstSample* sample = gst_app_sink_pull_sample(sink);
    if (sample == nullptr) return GST_FLOW_OK;
    if (const GstCaps* caps = gst_sample_get_caps(sample)) {
        int w = 0;
        gst_structure_get_int(gst_caps_get_structure(caps, 0), "width", &w);
        r->width = w;
    }
    GstBuffer* buf = gst_sample_get_buffer(sample);
    GstMapInfo map;
    if (buf != nullptr && gst_buffer_map(buf, &map, GST_MAP_READ)) {
        // Byte-stream: NAL units separated by 00 00 01 (or 00 00 00 01) start codes.
        size_t start = 0;
        bool in_nal = false;
        for (size_t i = 0; i + 2 < map.size; ++i) {
            if (map.data[i] == 0 && map.data[i + 1] == 0 && map.data[i + 2] == 1) {
                if (in_nal) {
                    size_t end = i;
                    if (end > start && map.data[end - 1] == 0) --end;
                    r->max_nal = std::max(r->max_nal.load(), end - start);
                }
                start = i + 3;
                in_nal = true;
                i += 2;
            }
        }
        if (in_nal) r->max_nal = std::max(r->max_nal.load(), map.size - start);
        gst_buffer_unmap(buf, &map);
    }
    gst_sample_unref(sample);
    return GST_FLOW_OK;
}

using testsupport::launch;
using testsupport::Pipeline;

// The link's video payloader (owned by the pipeline).
GstElement* find_payloader(GstElement* pipeline) {
    GstElement* found = nullptr;
    GstIterator* it = gst_bin_iterate_recurse(GST_BIN(pipeline));
    GValue item = G_VALUE_INIT;
    while (found == nullptr && gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
        auto* e = GST_ELEMENT(g_value_get_object(&item));
        const std::string factory = GST_OBJECT_NAME(gst_element_get_factory(e));
        if (factory == "rtph264pay" || factory == "rtpvp8pay") found = e;
        g_value_reset(&item);
    }
    g_value_unset(&item);
    gst_iterator_free(it);
    return found;
}

class PassthroughLinkTest : public browser_test::BrowserFixture,
                            public ::testing::WithParamInterface<CodecCase> {};

TEST_P(PassthroughLinkTest, CallerCodecBothWaysWithoutTranscodingAndKeyframeRequestsRelayed) {
    if (!gst_is_initialized()) gst_init(nullptr, nullptr);
    const CodecCase param = GetParam();
    const bool h264 = std::string(param.codec) == "H264";
    browser_test::LoopbackGuard guard;
    ASSERT_TRUE(guard.ok()) << guard.error();
    browser_test::HttpServer http;
    http.add("/meeting.html", kMeeting);
    const std::string origin = "http://127.0.0.1:" + std::to_string(http.port());
    auto b = launch_ready();
    ASSERT_TRUE(b);
    std::optional<core::Status> granted;
    b->grant_permissions(origin, [&](core::Status st) { granted = std::move(st); });
    ASSERT_TRUE(run_until([&] { return granted.has_value(); }));
    ASSERT_TRUE(granted->ok()) << granted->error().message;
    browser::PageOptions options;
    options.scripts = {read_file(std::string(SIPMEDIAGW_ASSETS_DIR) + "/bridge/media_bridge.js")};
    options.bindings = {"__smgwSignal"};
    options.viewport_width = 1280;
    options.viewport_height = 720;
    auto page = open_page(*b, options);
    ASSERT_TRUE(page);

    // The caller: its encoder makes one keyframe at the start and then only when asked.
    const std::string session = std::string("pt-") + param.name;
    const std::string encoder =
        h264 ? std::string(
                   "x264enc tune=zerolatency speed-preset=ultrafast threads=1 "
                   "bitrate=800 key-int-max=100000 ") +
                   (param.single_nal ? "option-string=\"slice-max-size=1100\" " : "") +
                   "! video/x-h264,profile=constrained-baseline ! h264parse ! "
                   "video/x-h264,stream-format=byte-stream,alignment=au"
             : std::string(
                   "vp8enc deadline=1 threads=1 cpu-used=8 keyframe-max-dist=100000 "
                   "target-bitrate=800000");
    auto caller = launch(
        "videotestsrc is-live=true pattern=ball ! "
        "video/x-raw,width=640,height=360,framerate=30/1 ! " +
        encoder + " ! " + media::EncodedChannel::sink_description("out"));
    ASSERT_TRUE(caller);
    auto to_page = media::EncodedChannel::get(media::passthrough_channel(session, true));
    auto from_page = media::EncodedChannel::get(media::passthrough_channel(session, false));
    {
        GstElement* out = gst_bin_get_by_name(GST_BIN(caller.get()), "out");
        to_page->attach_producer(out);
        gst_object_unref(out);
    }
    ASSERT_NE(gst_element_set_state(caller.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    ASSERT_TRUE(run_until([&] { return to_page->frames() >= 15; }, 30s));

    // What the gateway's SIP side would send on to the caller.
    FromPage got;
    auto receiver =
        launch(media::EncodedChannel::src_description("in") + " ! appsink name=s sync=false");
    ASSERT_TRUE(receiver);
    {
        GstElement* in = gst_bin_get_by_name(GST_BIN(receiver.get()), "in");
        from_page->attach_consumer(in);
        gst_object_unref(in);
        GstElement* s = gst_bin_get_by_name(GST_BIN(receiver.get()), "s");
        GstAppSinkCallbacks cb{};
        cb.new_sample = on_from_page;
        gst_app_sink_set_callbacks(GST_APP_SINK(s), &cb, &got, nullptr);
        gst_object_unref(s);
    }
    ASSERT_NE(gst_element_set_state(receiver.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);

    media::PassthroughVideo pt;
    pt.codec = param.codec;
    pt.profile_level_id = h264 ? "42e01f" : "";
    pt.single_nal = param.single_nal;
    pt.limits = media::VideoFormat{640, 360, 15, 600};
    media::MeetingBridgeOptions bo;
    bo.passthrough = pt;
    browser::FrameContext frame;
    browser::Page* p = page.get();
    auto bridge = media::MeetingBridge::create(
        session, bo, [this](std::function<void()> fn) { loop_->post(std::move(fn)); },
        [&](const Json& msg) {
            p->evaluate_in(frame, "__smgwBridge.receive(" + msg.dump() + ")",
                           [](core::Result<Json>) {});
        });
    ASSERT_TRUE(bridge.ok()) << bridge.error().message;
    // The page must start without a keyframe, as when the caller's keyframe went by before the
    // page was up: the link's payloader loses its first 30 frames (after its parser, so the caps
    // and the offer are not held up; whole frames, so the RTP it sends has no gaps). Then the
    // caller's encoder (no keyframe unless asked) is the only way out.
    std::atomic<int> to_drop{30};
    {
        GstElement* pay = find_payloader((*bridge)->link().pipeline());
        ASSERT_NE(pay, nullptr);
        GstPad* sink = gst_element_get_static_pad(pay, "sink");
        gst_pad_add_probe(
            sink, GST_PAD_PROBE_TYPE_BUFFER,
            [](GstPad*, GstPadProbeInfo*, gpointer data) -> GstPadProbeReturn {
                auto* n = static_cast<std::atomic<int>*>(data);
                return n->fetch_sub(1) > 0 ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
            },
            &to_drop, nullptr);
        gst_object_unref(sink);
    }
    std::vector<std::string> errors;
    (*bridge)->link().on_failure(
        [&](const std::string& cause) { errors.push_back("link failed: " + cause); });
    page->on_binding([&](const std::string& name, const std::string& payload,
                         const browser::FrameContext& from) {
        if (name != "__smgwSignal") return;
        const Json msg = Json::parse(payload);
        const std::string type = msg.value("type", "");
        if (type == "hello") {
            frame = from;
            ASSERT_TRUE((*bridge)->link().start().ok());
        } else if (type == "error") {
            errors.push_back(msg.value("message", ""));
        } else if (type != "capture" && type != "state") {
            (*bridge)->link().receive(msg);
        }
    });
    ASSERT_TRUE(navigate(*page, http.url("127.0.0.1", "/meeting.html")).ok());

    // Caller → page: decoded by Chromium, in the caller's codec.
    const Json result = poll_evaluate(
        *page, "window.__result",
        [](const Json& r) { return r.is_object() && r["frames"].get<int>() >= 30; }, 90s);
    EXPECT_GE(result.value("frames", 0), 30)
        << result.dump() << " link=" << (*bridge)->link().ice_state();
    EXPECT_EQ(result.value("width", 0), 640) << result.dump();
    // Page → caller: Chromium encodes the caller's codec within its limits.
    const Json vs = poll_evaluate(
        *page, "__smgwBridge.videoStats()",
        [](const Json& v) {
            return v.is_object() && v["sent"].is_object() &&
                   v["sent"].value("framesEncoded", 0) >= 30 && v["received"].is_object() &&
                   v["received"]["codec"].is_object() && v["sent"]["codec"].is_object();
        },
        60s);
    ASSERT_TRUE(vs.is_object() && vs["sent"].is_object() && vs["received"].is_object())
        << vs.dump();
    std::printf("[ measure ] %s page video stats %s\n", param.name, vs.dump().c_str());
    const std::string mime = std::string("video/") + param.codec;
    EXPECT_EQ(vs["received"]["codec"].value("mimeType", ""), mime) << vs.dump();
    EXPECT_EQ(vs["sent"]["codec"].value("mimeType", ""), mime) << vs.dump();
    if (h264) {
        const std::string fmtp = vs["sent"]["codec"].value("sdpFmtpLine", "");
        EXPECT_EQ(fmtp.find("packetization-mode=1") != std::string::npos, !param.single_nal)
            << fmtp;
    }
    // The caller takes at most 640x360@15: the page scales its 1280x720 capture down.
    EXPECT_LE(vs["sent"].value("width", 9999), 640) << vs.dump();
    EXPECT_LE(vs["sent"].value("height", 9999), 360) << vs.dump();
    EXPECT_EQ(vs["encoding"].value("maxFramerate", 0.0), 15.0) << vs.dump();
    EXPECT_EQ(vs["encoding"].value("maxBitrate", 0), 600000) << vs.dump();
    ASSERT_TRUE(run_until([&] { return from_page->frames() >= 30; }, 60s))
        << "frames from the page: " << from_page->frames();
    if (h264 && param.single_nal) {
        EXPECT_GT(got.max_nal.load(), 0U);
        EXPECT_LE(got.max_nal.load(), 1388U) << "a NAL unit does not fit one RTP packet";
    }
    if (h264) {
        EXPECT_LE(got.width.load(), 640);
    }

    // Chromium's first frames were not keyframes, so it asked (PLI); the request reached the
    // caller's encoder through the link and the channel (the link's own request at attach time
    // is the other one), and the page decodes from that keyframe on.
    EXPECT_GT(vs["received"].value("pliCount", 0) + vs["received"].value("firCount", 0), 0)
        << vs.dump();
    EXPECT_GE(to_page->keyframe_requests(), 2U);
    EXPECT_GE(to_page->keyframes(), 3U);  // the encoder's first, the attach request's, the PLI's

    // Gateway → page: a keyframe request (what the SIP caller's PLI becomes) makes Chromium
    // encode a keyframe, which arrives on the from-page channel.
    const int plis_before = vs["sent"].value("pliCount", 0) + vs["sent"].value("firCount", 0);
    const uint64_t keyframes_before = from_page->keyframes();
    from_page->request_keyframe();
    const Json after = poll_evaluate(
        *page, "__smgwBridge.videoStats()",
        [&](const Json& v) {
            return v.is_object() && v["sent"].is_object() &&
                   v["sent"].value("pliCount", 0) + v["sent"].value("firCount", 0) > plis_before;
        },
        30s);
    EXPECT_GT(after["sent"].value("pliCount", 0) + after["sent"].value("firCount", 0), plis_before)
        << after.dump();
    EXPECT_TRUE(run_until([&] { return from_page->keyframes() > keyframes_before; }, 30s));

    const auto stats = (*bridge)->stats();
    EXPECT_TRUE(stats.passthrough);
    EXPECT_EQ(stats.video_frames_decoded, 0U);
    EXPECT_EQ(stats.video_frames_encoded, 0U);
    EXPECT_GE(stats.video_frames_from_page, 30U);
    std::printf(
        "[ measure ] %s: to page %llu frames (%llu keyframes, %llu requests), from page %llu "
        "frames (%llu keyframes), max NAL %zu B, gateway decoded %llu encoded %llu\n",
        param.name, (unsigned long long)to_page->frames(), (unsigned long long)to_page->keyframes(),
        (unsigned long long)to_page->keyframe_requests(), (unsigned long long)from_page->frames(),
        (unsigned long long)from_page->keyframes(), got.max_nal.load(),
        (unsigned long long)stats.video_frames_decoded,
        (unsigned long long)stats.video_frames_encoded);
    for (const auto& e : errors) ADD_FAILURE() << "bridge error: " << e;

    page.reset();
    bridge->reset();
    caller.reset();
    receiver.reset();
    const auto leaked = guard.stop();
    for (const auto& line : leaked) ADD_FAILURE() << "left loopback: " << line;
}

INSTANTIATE_TEST_SUITE_P(Codecs, PassthroughLinkTest,
                         ::testing::Values(CodecCase{"H264_mode1", "H264", false},
                                           CodecCase{"H264_mode0", "H264", true},
                                           CodecCase{"VP8", "VP8", false}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
