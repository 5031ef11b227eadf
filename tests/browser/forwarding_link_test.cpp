// Encoded forwarding inside the page (issue 13): the caller's H.264 arrives on the real link
// (media::MeetingBridge with passthrough, fed by a real x264enc as the call's SIP side would be)
// and the "meeting" is two peer connections in the page (C publishes the getUserMedia camera,
// D receives and decodes it, the way an SFU participant would). With the bridge's encoded
// forwarding (assets/bridge/forwarder.js) the frames received on the link go into C's sender as
// they are: D decodes the caller's pictures while C's encoder and the link's decoder count no
// new frame. Without it (the control) C encodes every frame: the counters can fail.
// Forwarding failed here until the link's payload type was the meeting's: Chromium keeps a
// received frame's payload type in the sender, and 96 (the link's H.264) is VP8 in the meeting,
// so D dropped every frame with a keyframe request each (docs/browser.md, "Encoded forwarding").
// The caller's encoder makes a keyframe only when asked, so D decoding anything also proves
// that the page's switch to forwarding asked the caller for one through the link (PLI).
// The caller's audio (a tone, Opus on the link) is forwarded the same way into C's audio sender:
// D hears it under the link's payload type, the meeting's mute (C's track disabled) silences it
// and unmuting forwards it again.
// The room's content (docs/content.md) takes the same way into a meeting's share sender
// (RoomContentGoesIntoTheShareSender...): the link's content track, VP8 that the gateway
// encodes, is handed out by getDisplayMedia and published by a third connection E to F; with
// forwarding E's encoder makes no frame and F decodes the link's frames under the link's
// content payload type, which the gateway took from the page's own VP8 number.
#include "bridge_page_fixture.hpp"
#include "http_server.hpp"
#include "loopback_guard.hpp"
#include "media/bridge_channels.hpp"
#include "media/encoded_channel.hpp"
#include "media/meeting_bridge.hpp"
#include "media/passthrough.hpp"
#include "process_probe.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pipeline.hpp"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <optional>

namespace {

using browser::Json;
using namespace std::chrono_literals;

// What both pages' meetings do: two peer connections in the page over loopback candidates only,
// their offer and answer, and a video element that counts the pictures it shows into `r`.
const char* kPairJs = R"JS(
const loopbackPair = () => {
  const a = new RTCPeerConnection({iceServers: []});
  const b = new RTCPeerConnection({iceServers: []});
  const trickle = (from, to) => {
    from.onicecandidate = (e) => {
      if (e.candidate && / 127\.0\.0\.1 /.test(e.candidate.candidate)) to.addIceCandidate(e.candidate);
    };
  };
  trickle(a, b);
  trickle(b, a);
  return [a, b];
};
const negotiate = async (a, b) => {
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription();
  await a.setRemoteDescription(b.localDescription);
};
const countPictures = (track, r) => {
  const v = document.createElement('video');
  v.muted = true;
  v.srcObject = new MediaStream([track]);
  document.body.appendChild(v);
  v.play().catch(() => {});
  const count = (_now, meta) => { r.decoded++; r.width = meta.width; r.height = meta.height;
                                  v.requestVideoFrameCallback(count); };
  v.requestVideoFrameCallback(count);
  return v;
};
// The mean colour of what `v` shows now (a small canvas), for telling patterns apart.
const meanColour = (v) => {
  const c = document.createElement('canvas');
  c.width = 32;
  c.height = 18;
  const g = c.getContext('2d', {willReadFrequently: true});
  g.drawImage(v, 0, 0, c.width, c.height);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  const m = {r: 0, g: 0, b: 0};
  for (let i = 0; i < d.length; i += 4) { m.r += d[i]; m.g += d[i + 1]; m.b += d[i + 2]; }
  const n = d.length / 4;
  return {r: Math.round(m.r / n), g: Math.round(m.g / n), b: Math.round(m.b / n)};
};
)JS";

// The meeting: C sends the camera (H.264 preferred, as the Janus demo room negotiates) to D in
// the same page, over loopback candidates only; D's video is counted as an observer would.
std::string meeting_html() {
    return std::string(R"HTML(<!doctype html><html><body>
<script>)HTML") +
           kPairJs + R"HTML(
window.__result = {decoded: 0, width: 0, height: 0, error: null};
(async () => {
  const s = await navigator.mediaDevices.getUserMedia({audio: true, video: true});
  const [C, D] = loopbackPair();
  C.addTrack(s.getAudioTracks()[0], s);
  const video = C.addTransceiver(s.getVideoTracks()[0], {direction: 'sendonly', streams: [s]});
  const codecs = RTCRtpSender.getCapabilities('video').codecs;
  const h264 = codecs.filter((c) => c.mimeType === 'video/H264' &&
                                    /packetization-mode=1/.test(c.sdpFmtpLine) &&
                                    /profile-level-id=42e01f/.test(c.sdpFmtpLine));
  video.setCodecPreferences(h264.concat(codecs.filter((c) => !h264.includes(c))));
  const got = new Promise((resolve) => {
    D.ontrack = (e) => {
      if (e.track.kind === 'video') resolve(e.track);
      // D's audio level as a listener's page would measure it: WebAudio, fed while a (muted)
      // element plays the track, which Chrome needs to decode a remote track.
      if (e.track.kind === 'audio') {
        const a = new Audio();
        a.muted = true;
        a.srcObject = new MediaStream([e.track]);
        a.play().catch(() => {});
        const ac = new AudioContext();
        const an = ac.createAnalyser();
        an.fftSize = 2048;
        ac.createMediaStreamSource(new MediaStream([e.track])).connect(an);
        ac.resume().catch(() => {});
        window.__dLevel = () => {
          const b = new Float32Array(an.fftSize);
          an.getFloatTimeDomainData(b);
          let sum = 0;
          for (const x of b) sum += x * x;
          return Math.sqrt(sum / b.length);
        };
        window.__dAudio = a;
      }
    };
  });
  // The meeting's mute, as janus.js and the other services do it: the sender's track disabled.
  window.__mute = (on) => { C.getSenders().find((x) => x.track && x.track.kind === 'audio')
                                .track.enabled = !on; return true; };
  await negotiate(C, D);
  const r = window.__result;
  countPictures(await got, r);
  // C's encoder and the link's decoder: what forwarding saves.
  window.__work = async () => {
    let encoded = 0;
    (await C.getStats()).forEach((x) => {
      if (x.type === 'outbound-rtp' && x.kind === 'video') encoded += x.framesEncoded || 0;
    });
    let d = null;
    const ds = await D.getStats();
    let audio = null;
    ds.forEach((x) => {
      if (x.type === 'inbound-rtp' && x.kind === 'audio')
        audio = {packets: x.packetsReceived, level: window.__dLevel ? __dLevel() : 0,
                 // Its encoded frames pass through in a worker, not on this thread.
                 inWorker: D.getReceivers().some((v) => v.track.kind === 'audio' && !!v.transform),
                 codec: x.codecId && ds.get(x.codecId) ?
                     ds.get(x.codecId).mimeType + '/' + ds.get(x.codecId).payloadType : ''};
      if (x.type === 'inbound-rtp' && x.kind === 'video')
        d = {received: x.framesReceived, decoded: x.framesDecoded, dropped: x.framesDropped,
             keys: x.keyFramesDecoded, pli: x.pliCount, packets: x.packetsReceived,
             lost: x.packetsLost, decoder: x.decoderImplementation,
             codec: x.codecId && ds.get(x.codecId) ?
                 ds.get(x.codecId).mimeType + '/' + ds.get(x.codecId).payloadType : ''};
    });
    const link = await __smgwBridge.videoStats();
    return {encoded, linkDecoded: link && link.received ? link.received.framesDecoded || 0 : 0,
            decoded: r.decoded, width: r.width, forward: __smgwBridge.forwardStats(), d, audio};
  };
  // Audio packets D received while this thread was busy for `ms` (as a join's work keeps it):
  // both stats collections run off this thread, one asked before the busy loop, one after.
  window.__audioPacketsDuringStall = async (ms) => {
    const packets = async (report) => {
      let n = 0;
      (await report).forEach((x) => {
        if (x.type === 'inbound-rtp' && x.kind === 'audio') n = x.packetsReceived;
      });
      return n;
    };
    const before = D.getStats();
    const end = performance.now() + ms;
    while (performance.now() < end) {}
    const after = D.getStats();
    return (await packets(after)) - (await packets(before));
  };
})().catch((e) => { window.__result.error = String(e); });
</script></body></html>)HTML";
}

class ForwardingLinkTest : public browser_test::BridgePageFixture,
                           public ::testing::WithParamInterface<bool> {
protected:
    // What a test's link is made of.
    struct LinkSetup {
        std::string path;  // where the page `html` is served, the bridge page then navigated
        std::string html;
        std::string session;
        media::VideoFormat caller;  // what the caller's x264enc sends
        std::string x264;           // its settings past the ones both tests share
        std::string media;          // a pipeline that feeds the link besides the caller
        bool content = false;       // the bridge carries the room's content
        // The room's content passed through (the bridge encodes none): `media` then ends in
        // an appsink named room_out, the room's encoded frames as the call's SIP side gives them.
        std::optional<media::PassthroughVideo> content_passthrough;
        std::function<bool(const Json&)> reported;  // the `forward` reports to keep
    };

    // Loopback watched, the bridge page (forwarding encoded frames or not: the test's
    // parameter), the caller's H.264 on the link, the bridge's errors and its reports.
    struct Link {
        browser_test::LoopbackGuard guard;
        browser_test::HttpServer http;
        BridgePage opened;
        testsupport::Pipeline caller;
        std::shared_ptr<media::EncodedChannel> to_page;
        testsupport::Pipeline media;
        std::shared_ptr<media::EncodedChannel> content_to_page;
        std::shared_ptr<media::EncodedChannel> audio_to_page;
        std::vector<std::string> errors;
        std::vector<Json> reports;
        std::unique_ptr<media::MeetingBridge> bridge;
    };

    // The link as `setup` says, the bridge page navigated to the served page; null, with a test
    // failure, when a step failed.
    std::unique_ptr<Link> start_link(LinkSetup setup) {
        if (!gst_is_initialized()) gst_init(nullptr, nullptr);
        auto link = std::make_unique<Link>();
        if (!link->guard.ok()) {
            ADD_FAILURE() << link->guard.error();
            return nullptr;
        }
        link->http.add(setup.path, setup.html);
        link->opened = open_bridge_page(link->http,
                                        std::string("{video: 'compositor', forwardEncoded: ") +
                                            (GetParam() ? "true" : "false") + "}",
                                        false);
        if (!link->opened.browser || !link->opened.page) return nullptr;
        const media::VideoFormat& f = setup.caller;
        link->caller = testsupport::launch(
            "videotestsrc is-live=true pattern=ball ! video/x-raw,width=" +
            std::to_string(f.width) + ",height=" + std::to_string(f.height) +
            ",framerate=" + std::to_string(f.fps) +
            "/1 ! x264enc tune=zerolatency speed-preset=ultrafast threads=1 bitrate=" +
            std::to_string(f.bitrate_kbps) + " " + setup.x264 +
            " ! video/x-h264,profile=constrained-baseline ! h264parse ! "
            "video/x-h264,stream-format=byte-stream,alignment=au ! " +
            media::EncodedChannel::sink_description("out"));
        if (!link->caller) {
            ADD_FAILURE() << "the caller's pipeline did not start";
            return nullptr;
        }
        link->to_page = media::EncodedChannel::get(media::passthrough_channel(setup.session, true));
        GstElement* out = gst_bin_get_by_name(GST_BIN(link->caller.get()), "out");
        link->to_page->attach_producer(out);
        gst_object_unref(out);
        if (!play(link->caller)) return nullptr;
        link->media = testsupport::launch(setup.media);
        if (!link->media) {
            ADD_FAILURE() << "did not start: " << setup.media;
            return nullptr;
        }
        if (GstElement* tone = gst_bin_get_by_name(GST_BIN(link->media.get()), "tone_out")) {
            link->audio_to_page = media::EncodedChannel::get(
                media::bridge_channel(setup.session, false, media::BridgeDirection::ToPage),
                media::EncodedChannel::Media::Audio);
            link->audio_to_page->attach_producer(tone);
            gst_object_unref(tone);
        }
        if (setup.content_passthrough) {
            link->content_to_page = media::EncodedChannel::get(
                media::passthrough_channel(media::content_bridge_session(setup.session), true));
            GstElement* room = gst_bin_get_by_name(GST_BIN(link->media.get()), "room_out");
            if (room == nullptr) {
                ADD_FAILURE() << "no room_out in: " << setup.media;
                return nullptr;
            }
            link->content_to_page->keep_gop(true);  // as the SIP side's content stream does
            link->content_to_page->attach_producer(room);
            gst_object_unref(room);
        }
        if (!play(link->media)) return nullptr;

        media::PassthroughVideo pt;
        pt.codec = "H264";
        pt.profile_level_id = "42e01f";
        pt.limits = setup.caller;
        media::MeetingBridgeOptions bo;
        bo.passthrough = pt;
        bo.content = setup.content;
        bo.content_passthrough = setup.content_passthrough;
        Link* l = link.get();
        auto bridge = connect_bridge(
            *link->opened.page, setup.session, bo,
            [l, reported = std::move(setup.reported)](const std::string& type, const Json& msg) {
                if (type == "error") l->errors.push_back(msg.value("message", ""));
                if (type == "forward" && reported(msg)) l->reports.push_back(msg);
            });
        if (!bridge) {
            ADD_FAILURE() << bridge.error().message;
            return nullptr;
        }
        link->bridge = std::move(*bridge);
        if (const auto st = navigate(*link->opened.page, link->http.url("127.0.0.1", setup.path));
            !st.ok()) {
            ADD_FAILURE() << st.error().message;
            return nullptr;
        }
        return link;
    }

    void share_room_content(bool passthrough);

    static bool play(const testsupport::Pipeline& p) {
        const bool playing =
            gst_element_set_state(p.get(), GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
        EXPECT_TRUE(playing) << "a pipeline does not play";
        return playing;
    }

    // No bridge error; the page, the bridge, the caller and the other pipeline stopped in that
    // order, and nothing left loopback.
    static void finish(Link& link) {
        for (const auto& e : link.errors) ADD_FAILURE() << "bridge error: " << e;
        link.opened.page.reset();
        link.bridge.reset();
        link.caller.reset();
        link.media.reset();
        link.content_to_page.reset();
        link.audio_to_page.reset();
        const auto leaked = link.guard.stop();
        for (const auto& line : leaked) ADD_FAILURE() << "left loopback: " << line;
    }
};

// The caller's tone, decoded as the call's SIP side writes it; the link encodes it to Opus.
std::string tone_to() {
    return "audiotestsrc is-live=true wave=sine freq=440 volume=0.5 ! audioconvert ! "
           "audioresample ! audio/x-raw,rate=48000,channels=1 ! " +
           media::EncodedChannel::sink_description("tone_out");
}

TEST_P(ForwardingLinkTest, CallerFramesGoIntoTheMeetingSenderWithoutDecodeOrEncode) {
    const std::string session = GetParam() ? "fwd-on" : "fwd-off";
    // The caller: one keyframe at the start, then only when asked.
    auto link =
        start_link({.path = "/meeting.html",
                    .html = meeting_html(),
                    .session = session,
                    .caller = {640, 360, 30, 800},
                    .x264 = "key-int-max=100000 aud=false",
                    .media = tone_to(),
                    .content = false,
                    .content_passthrough = std::nullopt,
                    .reported = [](const Json& msg) { return msg.value("kind", "") != "audio"; }});
    ASSERT_TRUE(link);
    const bool forward = GetParam();
    auto& page = link->opened.page;
    auto& bridge = link->bridge;

    // D decodes the caller's pictures (640x360), forwarded or re-encoded. (poll_evaluate gives
    // the last value at its deadline: the condition is asserted again.)
    const auto decoded_at_least = [](int n) {
        return [n](const Json& w) { return w.is_object() && w.value("decoded", 0) >= n; };
    };
    const Json first =
        poll_evaluate(*page, "window.__work ? __work() : null", decoded_at_least(30), 90s);
    ASSERT_TRUE(decoded_at_least(30)(first))
        << first.dump() << " result=" << evaluate(*page, "window.__result")->dump();
    EXPECT_EQ(first.value("width", 0), 640) << first.dump();
    // Over the next 60 pictures D decodes, who worked for them.
    const int decoded0 = first.value("decoded", 0);
    const Json later = poll_evaluate(*page, "__work()", decoded_at_least(decoded0 + 60), 60s);
    ASSERT_TRUE(decoded_at_least(decoded0 + 60)(later)) << later.dump();
    std::printf("[ measure ] forward=%d: %s -> %s\n", forward, first.dump().c_str(),
                later.dump().c_str());
    const Json& fw = later["forward"];
    if (forward) {
        EXPECT_EQ(fw.value("mode", ""), "encoded") << later.dump();
        EXPECT_EQ(fw.value("codec", ""), "video/H264") << later.dump();
        EXPECT_GE(fw.value("frames", 0), 60) << later.dump();
        EXPECT_EQ(later["d"].value("codec", ""),
                  "video/H264/" + std::to_string(bridge->video_payload_type()))
            << later.dump();
        EXPECT_NE(bridge->video_payload_type(), media::kLinkVideoPayloadType);
        EXPECT_EQ(later.value("encoded", -1), first.value("encoded", -2)) << "C encoded frames";
        EXPECT_EQ(later.value("linkDecoded", -1), first.value("linkDecoded", -2))
            << "the link's video was decoded";
        // The switch asked the caller for a keyframe through the link.
        EXPECT_GE(link->to_page->keyframe_requests(), 2U);
        ASSERT_FALSE(link->reports.empty());
        EXPECT_EQ(link->reports.back().value("mode", ""), "encoded") << link->reports.back().dump();
    } else {
        EXPECT_EQ(fw.value("mode", ""), "decoded") << later.dump();
        EXPECT_GE(later.value("encoded", 0), first.value("encoded", 0) + 30) << later.dump();
        EXPECT_TRUE(link->reports.empty()) << link->reports.front().dump();
    }

    // The caller's audio: D hears the tone (RMS level, the tone's is about 0.3); forwarded, under
    // the link's Opus number (the page's own, so the meeting negotiated the same) with the link's
    // decoder and the meeting's encoder out of its way.
    const auto hears = [](const Json& w) {
        return w.is_object() && w["audio"].is_object() && w["audio"].value("level", 0.0) > 0.05;
    };
    const Json heard = poll_evaluate(
        *page, "__work()",
        [&](const Json& w) {
            return hears(w) && (!forward || w["forward"]["audio"].value("frames", 0) >= 50);
        },
        60s);
    ASSERT_TRUE(hears(heard)) << heard.dump();
    std::printf("[ measure ] forward=%d audio: %s %s\n", forward, heard["audio"].dump().c_str(),
                heard["forward"].dump().c_str());
    if (forward) {
        EXPECT_EQ(heard["forward"]["audio"].value("mode", ""), "encoded") << heard.dump();
        EXPECT_EQ(heard["audio"].value("codec", ""),
                  "audio/opus/" + std::to_string(media::kLinkAudioPayloadType))
            << heard.dump();
        EXPECT_EQ(heard["forward"]["audio"].value("writeErrors", -1), 0) << heard.dump();
        // The meeting's receiver of it (D, adopted like every meeting connection).
        EXPECT_TRUE(heard["audio"].value("inWorker", false)) << heard.dump();
        // The page's thread busy for a second: the worker goes on writing the caller's audio
        // into the meeting's sender meanwhile (about 50 frames of 20 ms reach D), where through
        // this thread none would have left until it was free.
        const auto during = evaluate(*page, "__audioPacketsDuringStall(1000)");
        ASSERT_TRUE(during.ok()) << during.error().message;
        std::printf("[ measure ] audio packets at D during a 1 s stall of the page: %d\n",
                    during.value().get<int>());
        EXPECT_GE(during.value().get<int>(), 10)
            << "audio packets D received while the page was busy";
        const int frames0 = heard["forward"]["audio"].value("frames", 0);
        const auto resumed = [&](const Json& w) {
            return hears(w) && w["forward"]["audio"].value("frames", 0) >= frames0 + 50;
        };
        const Json after = poll_evaluate(*page, "__work()", resumed, 60s);
        EXPECT_TRUE(resumed(after)) << "after a stall of the page's thread: " << after.dump();
        EXPECT_EQ(after["forward"]["audio"].value("mode", ""), "encoded") << after.dump();
    } else {
        // Without forwarding the bridge has no audio lane: decoded and re-encoded by the page.
        EXPECT_FALSE(heard["forward"].contains("audio")) << heard.dump();
    }
    // The meeting's mute silences the caller, forwarded or not, and unmuting brings it back
    // (forwarded again).
    ASSERT_TRUE(evaluate(*page, "__mute(true)").ok());
    const auto silent = [](const Json& w) {
        return w.is_object() && w["audio"].is_object() && w["audio"].value("level", 1.0) < 0.001;
    };
    const Json muted = poll_evaluate(*page, "__work()", silent, 30s);
    EXPECT_TRUE(silent(muted)) << "the tone is still heard while muted: " << muted.dump();
    if (forward) {
        EXPECT_EQ(muted["forward"]["audio"].value("mode", ""), "decoded") << muted.dump();
    }
    ASSERT_TRUE(evaluate(*page, "__mute(false)").ok());
    const Json unmuted = poll_evaluate(
        *page, "__work()",
        [&](const Json& w) {
            return hears(w) && (!forward || w["forward"]["audio"].value("mode", "") == "encoded");
        },
        30s);
    EXPECT_TRUE(hears(unmuted)) << "no tone after unmuting: " << unmuted.dump();
    if (forward) {
        EXPECT_EQ(unmuted["forward"]["audio"].value("mode", ""), "encoded") << unmuted.dump();
    }

    finish(*link);
}

// The room's content: the link's content track (1280x720 VP8 that the gateway encodes from the
// room's slides) shared as a screen through getDisplayMedia, published by E to F in the page the
// way a service's share publisher would (its offer made by the page).
std::string share_html() {
    return std::string(R"HTML(<!doctype html><html><body>
<script>)HTML") +
           kPairJs + R"HTML(
window.__share = {decoded: 0, width: 0, error: null, state: 'idle'};
window.__startShare = async () => {
  const r = window.__share;
  r.state = 'starting';
  try {
    __smgwBridge.armContent(true);
    const s = await navigator.mediaDevices.getDisplayMedia({video: true, audio: false});
    const [E, F] = loopbackPair();
    const sender = E.addTransceiver(s.getVideoTracks()[0], {direction: 'sendonly', streams: [s]}).sender;
    const got = new Promise((resolve) => { F.ontrack = (e) => resolve(e.track); });
    await negotiate(E, F);
    // As the bridge tunes a share sender it forwards into (forwarder.js): the control then
    // encodes the slides at their size, not scaled down as a loaded host makes Chromium do.
    const p = sender.getParameters();
    p.degradationPreference = 'maintain-resolution';
    p.encodings[0].maxBitrate = 2500000;
    await sender.setParameters(p);
    const shown = countPictures(await got, r);
    window.__shareWork = async () => {
      let encoded = 0;
      (await E.getStats()).forEach((x) => {
        if (x.type === 'outbound-rtp' && x.kind === 'video') encoded += x.framesEncoded || 0;
      });
      let f = null;
      const fs = await F.getStats();
      fs.forEach((x) => {
        if (x.type === 'inbound-rtp' && x.kind === 'video')
          f = {decoded: x.framesDecoded, keys: x.keyFramesDecoded, pli: x.pliCount,
               codec: x.codecId && fs.get(x.codecId) ?
                   fs.get(x.codecId).mimeType + '/' + fs.get(x.codecId).payloadType : ''};
      });
      return {encoded, decoded: r.decoded, width: r.width, f, colour: meanColour(shown),
              forward: __smgwBridge.forwardStats()};
    };
    r.state = 'up';
  } catch (e) {
    r.error = String(e);
    r.state = 'failed';
  }
};
</script></body></html>)HTML";
}

// The room's slides (blue, a white ball) as the room encodes them (VP8, 1280x720 at 30 fps),
// then as the call's SIP side hands them to the link: decoded into the raw content channel, or
// (`passthrough`) as they came into the encoded content channel (appsink room_out). The room's
// encoder runs in both, so the test process's CPU compares the gateway's work alone.
std::string slides_to(const std::string& session, bool passthrough) {
    const std::string room =
        "videotestsrc is-live=true pattern=ball background-color=0xff0000ff ! "
        "video/x-raw,format=I420,width=1280,height=720,framerate=30/1 ! "
        "vp8enc deadline=1 threads=1 cpu-used=8 end-usage=cbr target-bitrate=1500000 "
        "lag-in-frames=0 keyframe-max-dist=60 ! ";
    if (passthrough) return room + media::EncodedChannel::sink_description("room_out");
    return room +
           "vp8dec threads=1 ! videoconvert ! videoscale add-borders=true ! videorate ! "
           "video/x-raw,format=I420,width=1280,height=720,framerate=30/1,pixel-aspect-ratio=1/1 "
           "! intervideosink sync=false async=false channel=" +
           media::bridge_channel(media::content_bridge_session(session), true,
                                 media::BridgeDirection::ToPage);
}

double process_cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// The room's content shared through getDisplayMedia and published by E to F; F decodes it,
// forwarded by the page or re-encoded (the parameter). With `passthrough` the gateway's link
// carries the room's VP8 as it came: it encodes no content frame (the bridge's stats), and the
// far end still shows the room's slides.
void ForwardingLinkTest::share_room_content(bool passthrough) {
    const bool forward = GetParam();
    const std::string session =
        std::string(passthrough ? "content-pt-" : "content-") + (forward ? "fwd-on" : "fwd-off");
    std::optional<media::PassthroughVideo> room;
    if (passthrough) {
        room.emplace();
        room->codec = "VP8";
        room->limits = {1280, 720, 30, 1500};
    }
    // The caller's H.264 (forwarded: the link's main video takes the page's H.264 number and
    // leaves the page's VP8 number to the content track) and the room's slides.
    auto link = start_link(
        {.path = "/share.html",
         .html = share_html(),
         .session = session,
         .caller = {320, 180, 15, 300},
         .x264 = "key-int-max=30",
         .media = slides_to(session, passthrough),
         .content = true,
         .content_passthrough = room,
         .reported = [](const Json& msg) { return msg.value("kind", "") == "content"; }});
    ASSERT_TRUE(link);
    auto& page = link->opened.page;
    auto& bridge = link->bridge;
    ASSERT_TRUE(evaluate(*page, "__smgwBridge.connect()").ok());
    // The content track reached the page: share it.
    const Json has = poll_evaluate(
        *page, "__smgwBridge.hasContent()", [](const Json& h) { return h == true; }, 90s);
    ASSERT_EQ(has, true);
    ASSERT_TRUE(evaluate(*page, "__startShare()").ok());
    const Json state = poll_evaluate(
        *page, "__share.state", [](const Json& s) { return s != "starting" && s != "idle"; }, 60s);
    ASSERT_EQ(state, "up") << evaluate(*page, "__share")->dump();

    // F decodes the slides, forwarded or re-encoded by E (asserted again: poll_evaluate gives the
    // last value at its deadline).
    const auto decoded_at_least = [](int n) {
        return [n](const Json& w) { return w.is_object() && w.value("decoded", 0) >= n; };
    };
    const Json first = poll_evaluate(*page, "__shareWork()", decoded_at_least(30), 90s);
    ASSERT_TRUE(decoded_at_least(30)(first)) << first.dump();
    const int decoded0 = first.value("decoded", 0);
    const double cpu0 = browser_test::group_cpu_seconds(link->opened.browser->pid());
    const double own0 = process_cpu_seconds();
    const auto encoded0 = bridge->stats().content_frames_encoded;
    const auto t0 = std::chrono::steady_clock::now();
    const Json later = poll_evaluate(*page, "__shareWork()", decoded_at_least(decoded0 + 60), 60s);
    ASSERT_TRUE(decoded_at_least(decoded0 + 60)(later)) << later.dump();
    // Indicative only: F's decoder runs in the same Chromium, and the host is shared. The test
    // process holds the room's encoder (the same in both) and the gateway's side of the link.
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto stats = bridge->stats();
    std::printf(
        "[ measure ] content passthrough=%d forward=%d: Chromium %.3f cores, test process "
        "(room encoder + gateway) %.3f cores, %.1f frames/s at F, gateway content frames "
        "encoded %llu\n",
        passthrough, forward,
        (browser_test::group_cpu_seconds(link->opened.browser->pid()) - cpu0) / seconds,
        (process_cpu_seconds() - own0) / seconds, (later.value("decoded", 0) - decoded0) / seconds,
        static_cast<unsigned long long>(stats.content_frames_encoded - encoded0));
    std::printf("[ measure ] content forward=%d: %s -> %s\n", forward, first.dump().c_str(),
                later.dump().c_str());
    // What F shows is the room's slides: blue around a white ball.
    const Json colour = later.value("colour", Json::object());
    EXPECT_GT(colour.value("b", 0), 150) << later.dump();
    EXPECT_LT(colour.value("r", 255), 110) << later.dump();
    if (passthrough) {
        EXPECT_TRUE(stats.content_passthrough);
        EXPECT_EQ(stats.content_frames_encoded, 0U) << "the gateway encoded the room's content";
        EXPECT_GE(stats.content_frames_to_page, 60U);
    } else {
        // The control: the same counter counts the gateway's VP8 encoder.
        EXPECT_FALSE(stats.content_passthrough);
        EXPECT_GE(stats.content_frames_encoded, encoded0 + 30);
    }
    if (forward) {
        // The slides' size as they are; the page's encoder (the control) scales them down on a
        // loaded host (480 wide seen), the forwarded frames cannot be.
        EXPECT_EQ(later.value("width", 0), 1280) << later.dump();
        EXPECT_NE(bridge->content_payload_type(), media::kLinkContentPayloadType);
        const Json fw = later["forward"].value("content", Json::object());
        EXPECT_EQ(fw.value("mode", ""), "encoded") << later.dump();
        EXPECT_EQ(fw.value("codec", ""), "video/VP8") << later.dump();
        EXPECT_GE(fw.value("frames", 0), 60) << later.dump();
        EXPECT_EQ(fw.value("writeErrors", -1), 0) << later.dump();
        EXPECT_EQ(later["f"].value("codec", ""),
                  "video/VP8/" + std::to_string(bridge->content_payload_type()))
            << later.dump();
        EXPECT_EQ(later.value("encoded", -1), first.value("encoded", -2)) << "E encoded frames";
        // What E's own encoder made before forwarding began stayed in the page: a far end that
        // decoded those then refused every forwarded frame, keyframes too, in about one share in
        // ten (docs/browser.md "Encoded forwarding").
        EXPECT_EQ(later["forward"].value("ownFramesDropped", -1), later.value("encoded", -2))
            << "E's own frames left the page: " << later.dump();
        ASSERT_FALSE(link->reports.empty());
        EXPECT_EQ(link->reports.back().value("mode", ""), "encoded") << link->reports.back().dump();
    } else {
        EXPECT_FALSE(later["forward"].contains("content")) << later.dump();
        EXPECT_GE(later.value("encoded", 0), first.value("encoded", 0) + 30) << later.dump();
        EXPECT_TRUE(link->reports.empty()) << link->reports.front().dump();
    }
    finish(*link);
}

TEST_P(ForwardingLinkTest, RoomContentGoesIntoTheShareSenderWithoutDecodeOrEncode) {
    share_room_content(false);
}

// Content passthrough (docs/content.md, "Content media"): the same with the room's VP8 on the
// link as it came; the gateway neither decodes nor encodes the slides.
TEST_P(ForwardingLinkTest, RoomContentPassedThroughIsNotReencodedByTheGateway) {
    share_room_content(true);
}

INSTANTIATE_TEST_SUITE_P(Bridge, ForwardingLinkTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Forward" : "Reencode"; });

}  // namespace
