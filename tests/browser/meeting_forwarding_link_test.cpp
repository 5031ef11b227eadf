// The meeting's video forwarded encoded to the caller (issue 13,
// assets/bridge/meeting_forwarder.js): the real link (media::MeetingBridge with H.264 passthrough
// in packetization-mode=1, the caller's side fed by x264 as the call's SIP side would be) and a
// "meeting" of connections in the page: participant P1 sends a red 640x360 picture to the meeting
// connection M1, shown in a <video> the way a meeting shows a remote participant. What leaves the
// page for the caller is decoded here, as the caller would (avdec_h264), and its colour says whose
// picture it is. With one remote video the page forwards M1's frames as they are: the caller
// decodes P1's red while M1 decodes no frame and the link's encoder encodes none; the caller's
// keyframe request (PLI on the link) reaches P1's encoder, and with the page's thread held for 2 s
// the forwarded frames go on reaching the caller (the worker writes them). When a second
// participant (green) arrives the page goes back to the compositor: the caller keeps decoding, M1
// decodes again and the link's encoder runs. The control (`forwardMeetingEncoded` off) decodes and
// encodes throughout, so the counters can fail.
#include "bridge_page_fixture.hpp"
#include "http_server.hpp"
#include "loopback_guard.hpp"
#include "media/encoded_channel.hpp"
#include "media/meeting_bridge.hpp"
#include "media/passthrough.hpp"
#include "process_probe.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pipeline.hpp"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace {

using browser::Json;
using namespace std::chrono_literals;

// Participants are plain connections (the native constructor, not the bridge's: they stand for
// other browsers); the meeting's connections go through the bridge like a meeting's own code.
const char* kMeeting = R"HTML(<!doctype html><html><body>
<script>
window.__result = {error: null, participants: 0};
// As Janus 1.1.2 numbers H.264 107 in its offers (the link has another number): the participant's
// offer gives its H.264 107 (swapped with what had 107), so the meeting's frames carry 107.
const RENUMBER = location.pathname === '/renumbered.html';
// As Janus 1.1.2 names tracks (janus1 for the video of every subscription): every participant's
// track arrives with the same id, so the page must tell the meeting's videos apart by track.
const SAME_IDS = location.pathname === '/sameids.html';
const sameIds = (sdp) => sdp.replace(/^a=msid:(\S+) \S+/mg, 'a=msid:$1 janus1');
function renumber(sdp) {
  const from = /^m=video \S+ \S+ (\d+)/m.exec(sdp)[1];
  const to = from === '107' ? '106' : '107';
  window.__result.meetingPt = Number(to);
  return sdp.split('\r\n').map((l) => {
    if (!/^(m=video |a=rtpmap:|a=fmtp:|a=rtcp-fb:)/.test(l)) return l;
    return l.replace(new RegExp('\\b(' + from + '|' + to + ')\\b', 'g'),
                     (x) => (x === from ? to : from));
  }).join('\r\n');
}
const Native = Object.getPrototypeOf(RTCPeerConnection);
// A participant's camera is another browser's: drawn in a worker, so that it goes on while this
// page's thread is held (__stall).
const SOURCE = URL.createObjectURL(new Blob([`onmessage = (e) => {
  const writer = e.data.writable.getWriter();
  const c = new OffscreenCanvas(640, 360);
  const g = c.getContext('2d');
  let i = 0;
  setInterval(() => {
    g.fillStyle = e.data.colour;
    g.fillRect(0, 0, 640, 360);
    g.fillStyle = '#fff';
    g.fillRect((i * 8) % 600, 20, 40, 40);
    writer.write(new VideoFrame(c, {timestamp: i++ * 33333})).catch(() => {});
  }, 33);
};`], {type: 'text/javascript'}));
window.__sources = [];
function source(colour) {
  const track = new MediaStreamTrackGenerator({kind: 'video'});
  const w = new Worker(SOURCE);
  w.postMessage({writable: track.writable, colour}, [track.writable]);
  window.__sources.push(w);
  return track;
}
// The page's thread busy, as a meeting's long task or a GC pause holds it.
window.__stall = (ms) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {}
  return true;
};
// One participant: its connection P, the meeting's connection M receiving it, a <video> for it.
async function participant(colour) {
  const P = new Native({iceServers: []});
  const M = new RTCPeerConnection({iceServers: []});
  const trickle = (from, to) => {
    from.onicecandidate = (e) => {
      if (e.candidate && / 127\.0\.0\.1 /.test(e.candidate.candidate)) to.addIceCandidate(e.candidate);
    };
  };
  trickle(P, M);
  trickle(M, P);
  const stream = new MediaStream([source(colour)]);
  const t = P.addTransceiver(stream.getVideoTracks()[0], {direction: 'sendonly', streams: [stream]});
  const codecs = RTCRtpSender.getCapabilities('video').codecs;
  const h264 = codecs.filter((c) => c.mimeType === 'video/H264' &&
                                    /packetization-mode=1/.test(c.sdpFmtpLine) &&
                                    /profile-level-id=42e01f/.test(c.sdpFmtpLine));
  t.setCodecPreferences(h264.concat(codecs.filter((c) => !h264.includes(c))));
  const v = document.createElement('video');
  v.muted = true;
  document.body.appendChild(v);
  M.ontrack = (e) => { v.srcObject = e.streams[0]; v.play().catch(() => {}); };
  const offer = await P.createOffer();
  await P.setLocalDescription(RENUMBER ? {type: 'offer', sdp: renumber(offer.sdp)} : offer);
  await M.setRemoteDescription(SAME_IDS ? {type: 'offer', sdp: sameIds(P.localDescription.sdp)}
                                        : P.localDescription);
  await M.setLocalDescription();
  await P.setRemoteDescription(M.localDescription);
  window.__result.participants++;
  return {P, M};
}
const inboundPt = async (pc) => {
  const s = await pc.getStats();
  let pt = -1;
  s.forEach((x) => {
    if (x.type === 'inbound-rtp' && x.kind === 'video' && s.get(x.codecId))
      pt = s.get(x.codecId).payloadType;
  });
  return pt;
};
const video = async (pc, type, field) => {
  let n = 0;
  (await pc.getStats()).forEach((x) => {
    if (x.type === type && x.kind === 'video') n += x[field] || 0;
  });
  return n;
};
(async () => {
  __smgwBridge.connect();
  const first = await participant('#d00000');
  window.__addSecond = () => { participant('#00c000').catch((e) => { window.__result.error = String(e); }); return true; };
  window.__work = async () => {
    const link = await __smgwBridge.videoStats();
    return {m1Decoded: await video(first.M, 'inbound-rtp', 'framesDecoded'),
            p1KeyFrames: await video(first.P, 'outbound-rtp', 'keyFramesEncoded'),
            m1Pt: await inboundPt(first.M),
            linkEncoded: link && link.sent ? link.sent.framesEncoded || 0 : 0,
            fwd: await __smgwBridge.meetingForwardStats()};
  };
})().catch((e) => { window.__result.error = String(e); });
</script></body></html>)HTML";

// What the caller would decode: frames, size and the mean colour of the last one.
struct Decoded {
    std::mutex mutex;
    std::vector<std::chrono::steady_clock::time_point> at;  // when each frame was decoded
    int between(std::chrono::steady_clock::time_point from,
                std::chrono::steady_clock::time_point to) {
        std::lock_guard lock(mutex);
        return static_cast<int>(
            std::count_if(at.begin(), at.end(), [&](auto t) { return t >= from && t < to; }));
    }
    std::atomic<int> frames{0};
    std::atomic<int> width{0};
    std::atomic<int> r{0};
    std::atomic<int> g{0};
    std::atomic<int> b{0};
};

GstFlowReturn on_decoded(GstAppSink* sink, gpointer data) {
    auto* d = static_cast<Decoded*>(data);
    GstSample* sample = gst_app_sink_pull_sample(sink);
    if (sample == nullptr) return GST_FLOW_OK;
    int w = 0;
    if (const GstCaps* caps = gst_sample_get_caps(sample))
        gst_structure_get_int(gst_caps_get_structure(caps, 0), "width", &w);
    GstBuffer* buf = gst_sample_get_buffer(sample);
    GstMapInfo map;
    if (buf != nullptr && gst_buffer_map(buf, &map, GST_MAP_READ)) {
        uint64_t sum[3] = {0, 0, 0};
        const size_t pixels = map.size / 3;
        for (size_t i = 0; i < pixels; ++i)
            for (int c = 0; c < 3; ++c) sum[c] += map.data[i * 3 + c];
        if (pixels > 0) {
            d->r = int(sum[0] / pixels);
            d->g = int(sum[1] / pixels);
            d->b = int(sum[2] / pixels);
        }
        gst_buffer_unmap(buf, &map);
    }
    d->width = w;
    {
        std::lock_guard lock(d->mutex);
        d->at.push_back(std::chrono::steady_clock::now());
    }
    ++d->frames;
    gst_sample_unref(sample);
    return GST_FLOW_OK;
}

using browser_test::group_cpu_seconds;

// Composite: the control; Forward: the meeting numbers H.264 as the link does; Renumbered: the
// meeting numbers it 107 (as Janus 1.1.2), the link otherwise: composited, with the reason;
// SameTrackIds: as Forward, every participant's track id being janus1 (as Janus 1.1.2's).
enum class Meeting { Composite, Forward, Renumbered, SameTrackIds };

class MeetingForwardingLinkTest : public browser_test::BridgePageFixture,
                                  public ::testing::WithParamInterface<Meeting> {};

TEST_P(MeetingForwardingLinkTest, OneRemoteVideoGoesToTheCallerEncodedThenComposited) {
    if (!gst_is_initialized()) gst_init(nullptr, nullptr);
    const bool forward = GetParam() != Meeting::Composite;
    const bool renumbered = GetParam() == Meeting::Renumbered;
    const bool same_ids = GetParam() == Meeting::SameTrackIds;
    browser_test::LoopbackGuard guard;
    ASSERT_TRUE(guard.ok()) << guard.error();
    browser_test::HttpServer http;
    http.add("/meeting.html", kMeeting);
    http.add("/renumbered.html", kMeeting);
    http.add("/sameids.html", kMeeting);
    auto opened = open_bridge_page(
        http,
        std::string("{video: 'compositor', forwardEncoded: true, forwardMeetingEncoded: ") +
            (forward ? "true" : "false") + "}",
        true);
    ASSERT_TRUE(opened.browser && opened.page);
    auto& b = opened.browser;
    auto& page = opened.page;

    // The caller's own video toward the page (the link offers once it has the caller's SPS).
    const std::string session = renumbered ? "mfwd-pt"
                                : same_ids ? "mfwd-ids"
                                : forward  ? "mfwd-on"
                                           : "mfwd-off";
    auto caller = testsupport::launch(
        "videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=360,framerate=30/1 "
        "! x264enc tune=zerolatency speed-preset=ultrafast threads=1 bitrate=500 key-int-max=60 "
        "! video/x-h264,profile=constrained-baseline ! h264parse ! "
        "video/x-h264,stream-format=byte-stream,alignment=au ! " +
        media::EncodedChannel::sink_description("out"));
    ASSERT_TRUE(caller);
    auto to_page = media::EncodedChannel::get(media::passthrough_channel(session, true));
    auto from_page = media::EncodedChannel::get(media::passthrough_channel(session, false));
    {
        GstElement* out = gst_bin_get_by_name(GST_BIN(caller.get()), "out");
        to_page->attach_producer(out);
        gst_object_unref(out);
    }
    ASSERT_NE(gst_element_set_state(caller.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);

    // The caller's decoder, fed what the gateway's SIP side would send on.
    Decoded got;
    auto decoder = testsupport::launch(
        media::EncodedChannel::src_description("in") +
        " ! h264parse ! avdec_h264 ! videoconvert ! video/x-raw,format=RGB ! appsink name=s "
        "sync=false");
    ASSERT_TRUE(decoder);
    {
        GstElement* in = gst_bin_get_by_name(GST_BIN(decoder.get()), "in");
        from_page->attach_consumer(in);
        gst_object_unref(in);
        GstElement* s = gst_bin_get_by_name(GST_BIN(decoder.get()), "s");
        GstAppSinkCallbacks cb{};
        cb.new_sample = on_decoded;
        gst_app_sink_set_callbacks(GST_APP_SINK(s), &cb, &got, nullptr);
        gst_object_unref(s);
    }
    ASSERT_NE(gst_element_set_state(decoder.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);

    media::PassthroughVideo pt;
    pt.codec = "H264";
    pt.profile_level_id = "42e01f";
    pt.single_nal = false;
    pt.limits = media::VideoFormat{1280, 720, 30, 2000};
    media::MeetingBridgeOptions bo;
    bo.passthrough = pt;
    std::vector<std::string> errors;
    std::vector<Json> reports;
    auto bridge = connect_bridge(*page, session, bo, [&](const std::string& type, const Json& msg) {
        if (type == "error") errors.push_back(msg.value("message", ""));
        if (type == "meeting_forward") reports.push_back(msg);
    });
    ASSERT_TRUE(bridge.ok()) << bridge.error().message;
    ASSERT_TRUE(navigate(*page, http.url("127.0.0.1", renumbered ? "/renumbered.html"
                                                      : same_ids ? "/sameids.html"
                                                                 : "/meeting.html"))
                    .ok());

    // The caller decodes the participant's red picture, whichever way it left the page.
    const auto red = [&] { return got.r > 150 && got.g < 90 && got.b < 90; };
    ASSERT_TRUE(run_until([&] { return got.frames >= 30 && red(); }, 90s))
        << "frames=" << got.frames << " rgb=" << got.r << "," << got.g << "," << got.b
        << " result=" << evaluate(*page, "window.__result")->dump();
    const auto work = [&] {
        auto w = evaluate(*page, "__work()");
        return w ? *w : Json();
    };
    const bool encoded_expected = forward && !renumbered;
    if (encoded_expected) {
        // Each poll's condition is asserted again: poll_evaluate gives the last value at its
        // deadline.
        const auto is_encoded = [](const Json& w) {
            return w.is_object() && w["fwd"].value("mode", "") == "encoded";
        };
        const Json encoded = poll_evaluate(*page, "__work()", is_encoded, 60s);
        ASSERT_TRUE(is_encoded(encoded)) << work().dump();
    }
    if (renumbered) {
        // A frame keeps the number it was received under (Chromium 156: setMetadata, behind
        // --enable-blink-features=RTCEncodedFrameSetMetadata, throws "invalid modification of
        // payloadType"), so the compositor draws the meeting's video and says why.
        const int pt = evaluate(*page, "window.__result.meetingPt")->get<int>();
        const std::string why =
            "the meeting numbers video/H264 " + std::to_string(pt) + ", the link ";
        const auto says_why = [&](const Json& w) {
            return w.is_object() && w["fwd"].value("reason", "").rfind(why, 0) == 0;
        };
        const Json held = poll_evaluate(*page, "__work()", says_why, 60s);
        ASSERT_TRUE(says_why(held)) << work().dump();
        EXPECT_EQ(held.value("m1Pt", -1), pt) << held.dump();
        EXPECT_NE(held["fwd"].value("reason", ""), why + std::to_string(pt)) << held.dump();
    }
    // Over the next 60 pictures the caller decodes: who decoded and encoded them in the page.
    const Json before = work();
    const int frames0 = got.frames;
    const double cpu0 = group_cpu_seconds(b->pid());
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(run_until([&] { return got.frames >= frames0 + 60; }, 60s)) << got.frames;
    const Json after = work();
    // Indicative only (the participant's encoder runs in the same Chromium; a shared host).
    std::printf("[ measure ] forward=%d: Chromium %.3f cores for 60 frames to the caller\n",
                forward,
                (group_cpu_seconds(b->pid()) - cpu0) /
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    std::printf("[ measure ] forward=%d one participant: %s -> %s, caller %dpx wide rgb=%d,%d,%d\n",
                forward, before.dump().c_str(), after.dump().c_str(), got.width.load(),
                got.r.load(), got.g.load(), got.b.load());
    EXPECT_TRUE(red()) << got.r << "," << got.g << "," << got.b;
    EXPECT_EQ(got.width, 640);
    if (encoded_expected) {
        EXPECT_EQ(after.value("m1Decoded", -1), before.value("m1Decoded", -2))
            << "the page decoded the forwarded video";
        EXPECT_EQ(after.value("linkEncoded", -1), before.value("linkEncoded", -2))
            << "the link's encoder ran";
        // The caller's 60 include the frames in flight when `before` was read, and the page's
        // count those in flight when `after` was: equal in the mean, not frame for frame (59 was
        // seen in CI). What proves the path is that nothing was decoded or encoded (above).
        EXPECT_GE(after["fwd"].value("frames", 0) - before["fwd"].value("frames", 0), 55);
        ASSERT_FALSE(reports.empty());
        EXPECT_EQ(reports.back().value("mode", ""), "encoded") << reports.back().dump();
        EXPECT_EQ(reports.back().value("width", 0), 640) << reports.back().dump();
        // The caller's keyframe request reaches the participant's encoder.
        const int keys0 = after.value("p1KeyFrames", 0);
        from_page->request_keyframe();
        const auto keyframe_made = [&](const Json& w) {
            return w.is_object() && w.value("p1KeyFrames", 0) > keys0;
        };
        const Json asked = poll_evaluate(*page, "__work()", keyframe_made, 30s);
        EXPECT_TRUE(keyframe_made(asked)) << work().dump();
        // The page's thread held for 2 s: the forwarded frames go on reaching the caller,
        // written by the worker that receives them (through the page's thread, none did until
        // it was free, then all at once). The margins leave out the DevTools round trip.
        const auto held_from = std::chrono::steady_clock::now();
        ASSERT_TRUE(evaluate(*page, "__stall(2000)").ok());
        const auto held_to = std::chrono::steady_clock::now();
        const int during = got.between(held_from + 400ms, held_to - 400ms);
        std::printf("[ measure ] caller frames while the page's thread was held: %d in %.0f ms\n",
                    during,
                    std::chrono::duration<double, std::milli>(held_to - held_from - 800ms).count());
        EXPECT_GE(during, 10) << "the forwarded frames waited for the page's thread";
    } else {
        EXPECT_GE(after.value("m1Decoded", 0), before.value("m1Decoded", 0) + 30) << after.dump();
        EXPECT_GE(after.value("linkEncoded", 0), before.value("linkEncoded", 0) + 30)
            << after.dump();
        EXPECT_EQ(after["fwd"].value("mode", ""), "composited");
        if (!forward) {
            EXPECT_TRUE(reports.empty()) << reports.front().dump();
        }
    }

    // A second participant: the compositor draws both, the caller keeps decoding.
    ASSERT_TRUE(evaluate(*page, "__addSecond()").ok());
    const auto is_composited = [](const Json& w) {
        return w.is_object() && w["fwd"].value("mode", "") == "composited" &&
               w["fwd"].value("state", "composited") == "composited";
    };
    const Json composited = poll_evaluate(*page, "__work()", is_composited, 60s);
    ASSERT_TRUE(is_composited(composited)) << work().dump();
    const int frames1 = got.frames;
    ASSERT_TRUE(run_until([&] { return got.frames >= frames1 + 60 && got.g > 40; }, 60s))
        << "frames=" << got.frames - frames1 << " rgb=" << got.r << "," << got.g << "," << got.b;
    const Json both = work();
    std::printf("[ measure ] forward=%d two participants: %s -> %s, caller rgb=%d,%d,%d\n", forward,
                composited.dump().c_str(), both.dump().c_str(), got.r.load(), got.g.load(),
                got.b.load());
    EXPECT_GE(both.value("m1Decoded", 0), composited.value("m1Decoded", 0) + 15) << both.dump();
    EXPECT_GE(both.value("linkEncoded", 0), composited.value("linkEncoded", 0) + 15) << both.dump();
    if (forward) {
        EXPECT_EQ(both["fwd"].value("reason", ""), "2 remote videos are shown") << both.dump();
        EXPECT_EQ(reports.back().value("mode", ""), "composited") << reports.back().dump();
    }
    for (const auto& e : errors) ADD_FAILURE() << "bridge error: " << e;

    page.reset();
    bridge->reset();
    caller.reset();
    decoder.reset();
    const auto leaked = guard.stop();
    for (const auto& line : leaked) ADD_FAILURE() << "left loopback: " << line;
}

INSTANTIATE_TEST_SUITE_P(Bridge, MeetingForwardingLinkTest,
                         ::testing::Values(Meeting::Composite, Meeting::Forward,
                                           Meeting::Renumbered, Meeting::SameTrackIds),
                         [](const auto& info) {
                             return info.param == Meeting::Composite    ? "Composite"
                                    : info.param == Meeting::Forward    ? "Forward"
                                    : info.param == Meeting::Renumbered ? "Renumbered"
                                                                        : "SameTrackIds";
                         });

}  // namespace
