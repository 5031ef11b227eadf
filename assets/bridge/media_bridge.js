// sipmediagw media bridge: injected by the gateway before any page script, in every frame.
//
// The meeting sees a "camera" and a "microphone" whose tracks arrive from the gateway over a
// loopback RTCPeerConnection (GStreamer webrtcbin on 127.0.0.1). The meeting's output goes back
// on the same connection: every remote audio track the meeting receives, mixed in WebAudio, and
// the meeting's video (tab capture of this page, or compositor.js drawing the remote videos).
// Signalling runs over DevTools: this script
// calls the binding window.__smgwSignal(json); the gateway answers with
// Runtime.evaluate("__smgwBridge.receive(json)") in the same frame.
//
// Messages, page → gateway: {type:"hello", url, videoFormats?} (videoFormats: with encoded
// forwarding, [{payloadType, codec, fmtp}] as this Chromium numbers video in its offers), {type:"answer", sdp}, {type:"candidate", candidate,
// sdpMLineIndex}, {type:"state", state}, {type:"error", message}, {type:"capture", width, height,
// innerWidth, innerHeight} (tab capture size), {type:"output", video:"compositor", width, height,
// fps}, {type:"forward", kind?:"audio"|"content", mode:"encoded"|"decoded", reason, codec} (the
// caller's video, or audio, or the room's content into the meeting's share, forwarder.js),
// {type:"forward_stats", kind?:"content", frames, keyframeRequests, ...}, {type:"forward_keyframe", waitedMs} (the meeting asked for a keyframe,
// the caller's was forwarded waitedMs later), {type:"meeting_connection", state:"connected",
// publishing} (one of the meeting's own connections is up; publishing: it sends the caller),
// {type:"meeting_forward", mode:"encoded"|"composited", reason, codec, width, height} (the
// meeting's video to the caller, meeting_forwarder.js), {type:"meeting_forward_stats", ...}.
// Gateway → page: {type:"offer", sdp, capture?: {width, height}, videoLimits?: {width, height,
// fps, bitrateKbps}}, {type:"candidate", candidate, sdpMLineIndex}.
//
// videoLimits: with video passthrough the gateway forwards what this page encodes to the SIP
// caller as is, so the caller's limits (size, frame rate, bitrate from its SDP) are enforced
// here, on our sender (scaleResolutionDownBy, maxFramerate, maxBitrate).
(() => {
  'use strict';
  if (window.__smgwBridge) return;
  const signalBinding = window.__smgwSignal;
  if (typeof signalBinding !== 'function') return;  // not driven by a gateway
  // Keep our own references: the meeting may wrap or replace these after we ran.
  const NativePeerConnection = window.RTCPeerConnection;
  const NativeMediaStream = window.MediaStream;
  const mediaDevices = navigator.mediaDevices;
  if (!NativePeerConnection || !mediaDevices) return;  // not a secure context
  const nativeGetDisplayMedia = mediaDevices.getDisplayMedia
      ? mediaDevices.getDisplayMedia.bind(mediaDevices) : null;
  const send = (msg) => signalBinding(JSON.stringify(msg));
  // Set by the gateway before this script: {video: "tab" | "compositor"} ([browser] meeting_video),
  // layout: "speaker" | "grid" ([browser] meeting_layout), forwardEncoded ([browser]
  // forward_encoded_video: the caller's video and audio), forwardMeetingEncoded ([browser]
  // forward_encoded_meeting_video), rtpStats (the gateway logs at debug: send rtp_stats).
  const config = window.__smgwBridgeConfig || {};
  const forwarder = config.forwardEncoded && window.__smgwForwarder &&
      window.__smgwForwarder.available ? window.__smgwForwarder : null;
  // The meeting's one video to the caller as encoded frames ([browser]
  // forward_encoded_meeting_video, meeting_forwarder.js); only with the compositor, which knows
  // what the caller would see.
  const meetingForwarder = config.forwardMeetingEncoded && config.video === 'compositor' &&
      window.__smgwMeetingForwarder && window.__smgwMeetingForwarder.available
      ? window.__smgwMeetingForwarder : null;

  const DEVICES = [
    {deviceId: 'sipmediagw-camera', kind: 'videoinput', label: 'sipmediagw camera'},
    {deviceId: 'sipmediagw-microphone', kind: 'audioinput', label: 'sipmediagw microphone'},
    {deviceId: 'sipmediagw-speaker', kind: 'audiooutput', label: 'sipmediagw speaker'},
  ].map((d) => Object.freeze({...d, groupId: 'sipmediagw',
                               toJSON() { return {...this}; }}));

  let pc = null;
  let statsTimer = null;
  let incoming = new NativeMediaStream();      // tracks from the gateway
  let tracksReady = null;                      // resolves once audio and video arrived
  let callerAudioSink = null;                  // keeps the caller's audio decoded (ontrack)
  let resolveTracks = null;
  let audioContext = null;
  let mixDestination = null;
  let tabCapture = null;
  let composite = null;                        // compositor output (meeting_video = compositor)
  // The SIP call's content line (docs/content.md), the link's third transceiver when the call
  // has one: the room's content as a track (contentTrack), and our sender that carries the
  // meeting's share to the room (sendContent).
  const CONTENT_MLINE = 2;
  let contentTrack = null;
  let contentSink = null;
  let contentArmed = false;      // getDisplayMedia answers with the room's content
  let contentSending = false;    // the meeting's share goes out on the content line
  let contentSent = null;        // the share track we sent last
  let contentTimer = null;
  // What getDisplayMedia handed out of the room's content: like the camera, never drawn back
  // (but not the camera: encoded forwarding must leave these tracks alone).
  const contentClones = new Set();
  const ownTrackIds = new Set();               // what getUserMedia handed out (the self-view)
  const mixedTracks = new Set();
  let captureSize = null;  // {width, height} from the gateway, else the view's size
  let videoLimits = null;  // {width, height, fps, bitrateKbps} of the SIP caller (passthrough)
  const captureWidth = () => (captureSize ? captureSize.width : innerWidth);
  const captureHeight = () => (captureSize ? captureSize.height : innerHeight);

  function start() {
    if (pc) return tracksReady;
    tracksReady = new Promise((resolve) => { resolveTracks = resolve; });
    pc = new NativePeerConnection({iceServers: []});
    pc.ontrack = (ev) => {
      if (ev.track.kind === 'video' &&
          pc.getTransceivers().indexOf(ev.transceiver) === CONTENT_MLINE) {
        // Not a camera: kept out of `incoming`, decoded (played muted) for getDisplayMedia.
        contentTrack = ev.track;
        // Forwarded encoded into the meeting's share of it (forwarder.js): set here, before the
        // first frame.
        if (forwarder) forwarder.attachLinkContentReceiver(ev.receiver);
        contentSink = document.createElement('video');
        contentSink.muted = true;
        contentSink.srcObject = new NativeMediaStream([ev.track]);
        contentSink.play().catch(() => {});
        return;
      }
      incoming.addTrack(ev.track);
      // Here, not later: a transform set after the first frame never sees one.
      if (ev.track.kind === 'video' && forwarder) forwarder.attachLinkReceiver(ev.receiver);
      if (ev.track.kind === 'audio' && forwarder) forwarder.attachLinkAudioReceiver(ev.receiver);
      // Chrome decodes a remote audio track only while something plays it out: without this,
      // the caller's audio reaches the meeting only once the meeting's own audio starts the
      // page's output (found by probe-meeting alone in a room: no audio packets sent).
      if (ev.track.kind === 'audio') {
        callerAudioSink = new Audio();
        callerAudioSink.muted = true;
        callerAudioSink.srcObject = new NativeMediaStream([ev.track]);
        callerAudioSink.play().catch(() => {});
      }
      if (incoming.getAudioTracks().length > 0 && incoming.getVideoTracks().length > 0)
        resolveTracks();
    };
    pc.onicecandidate = (ev) => {
      if (ev.candidate && ev.candidate.candidate)
        send({type: 'candidate', candidate: ev.candidate.candidate,
              sdpMLineIndex: ev.candidate.sdpMLineIndex});
    };
    pc.onconnectionstatechange = () => {
      send({type: 'state', state: pc.connectionState});
      if (pc.connectionState === 'connected') startOutput().finally(showSlate);
      if (pc.connectionState === 'connected' && !statsTimer && config.rtpStats) {
        // Every 5 s while the link lasts, when the gateway logs at debug (rtpStats): it logs
        // them, meeting_bench reads them.
        statsTimer = setInterval(() => {
          if (!pc || pc.connectionState === 'closed') return;
          rtpStats().then((st) => send({type: 'rtp_stats', ...st}), () => {});
        }, 5000);
      }
    };
    // With forwarding, the gateway numbers the link's video as this Chromium does (forwarder.js).
    const formats = window.__smgwForwarder && window.__smgwForwarder.available &&
        (forwarder || meetingForwarder) ? window.__smgwForwarder : null;
    if (formats) {
      formats.nativeVideoFormats().then(
          (videoFormats) => send({type: 'hello', url: location.href, videoFormats}));
    } else {
      send({type: 'hello', url: location.href});
    }
    return tracksReady;
  }

  async function onOffer(sdp) {
    await pc.setRemoteDescription({type: 'offer', sdp});
    // Our senders on the gateway's transceivers carry the meeting's output; tracks are
    // attached later with replaceTrack, which needs no renegotiation.
    for (const t of pc.getTransceivers()) t.direction = 'sendrecv';
    // Before the sender has a track: its encoded stream must exist before its first frame.
    if (meetingForwarder) meetingForwarder.attachLinkSender(senderFor('video'));
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    send({type: 'answer', sdp: pc.localDescription.sdp});
  }

  function senderFor(kind) {
    const t = pc.getTransceivers().find((x) => x.receiver.track && x.receiver.track.kind === kind);
    return t ? t.sender : null;
  }

  // Every remote audio track of the meeting goes into one WebAudio mix.
  function mixAudio(track) {
    // By track, not id: a service may give every connection's tracks the same ids (Janus 1.1
    // names them janus0, janus1 in each subscription), which would mix one participant alone.
    if (track.kind !== 'audio' || mixedTracks.has(track)) return;
    mixedTracks.add(track);
    ensureMix();
    const stream = new NativeMediaStream([track]);
    const source = audioContext.createMediaStreamSource(stream);
    source.connect(mixDestination);
    // Chrome feeds a remote WebRTC track to WebAudio only while a media element plays it.
    const sink = new Audio();
    sink.muted = true;
    sink.srcObject = stream;
    sink.play().catch(() => {});
    track.addEventListener('ended', () => {
      source.disconnect();
      sink.srcObject = null;
      routeAudio();
    });
    routeAudio();
  }

  // One remote voice goes to the caller as its own track, two or more through the mix. Direct,
  // it skips the mix's render (an AudioContext pulled by an output stream of its own, whose
  // context is suspended meanwhile): measured in meeting_bench, participant → caller 163-231 ms
  // against 240-313 through the mix (bench/meeting/README.md, "Audio held at the join"). The
  // joining prompt plays through the mix, so the direct route waits for the join.
  let audioRoute = 'mix';
  function routeAudio() {
    const sender = senderFor('audio');
    if (!sender || !mixDestination || !pc || pc.connectionState !== 'connected')
      return Promise.resolve();
    const live = [...mixedTracks].filter((t) => t.readyState === 'live');
    const direct = slateOver && !slateOutput && live.length === 1 ? live[0] : null;
    const want = direct || mixDestination.stream.getAudioTracks()[0];
    if (!direct && audioContext.state === 'suspended') audioContext.resume().catch(() => {});
    if (sender.track === want) return Promise.resolve();
    return sender.replaceTrack(want).then(() => {
      if (sender.track !== want) return;
      audioRoute = direct ? 'direct' : 'mix';
      // Again here: a direct route that settled after this one was asked for may have
      // suspended the context in between.
      (direct ? audioContext.suspend() : audioContext.resume()).catch(() => {});
    }).catch((e) => send({type: 'error', message: 'audio route: ' + e}));
  }

  function ensureMix() {
    if (audioContext) return;
    audioContext = new AudioContext({sampleRate: 48000});
    mixDestination = audioContext.createMediaStreamDestination();
  }

  async function startOutput() {
    ensureMix();
    await routeAudio();
    if (config.video === 'compositor' && window.__smgwCompositor) {
      if (composite) return;
      // At most what the caller takes (passthrough: its SDP limits), never more than the view.
      const size = compositorSize();
      composite = window.__smgwCompositor.start({
        width: size.width, height: size.height, fps: size.fps, layout: config.layout,
        isOwn: (t) => ownTrackIds.has(t.id) || contentClones.has(t.id), describe: describeVideo});
      const videoSender = senderFor('video');
      if (videoSender) {
        await videoSender.replaceTrack(composite.track);
        await applyVideoLimits();
      }
      send({type: 'output', video: 'compositor', width: size.width, height: size.height,
            fps: size.fps});
      if (meetingForwarder) {
        const c = composite;
        meetingForwarder.start({
          tiles: () => c.visible(),
          pause: (on) => c.pause(on),
          limits: () => videoLimits,
          // Not during the joining slate, nor once something else feeds the link.
          active: () => !slateOutput && !!senderFor('video') &&
                        senderFor('video').track === c.track,
        });
      }
      return;
    }
    // The frame that holds the link captures the whole tab (preferCurrentTab), also from an
    // iframe (meetings embedded through an IFrame API allow display-capture).
    if (tabCapture || !nativeGetDisplayMedia) return;
    try {
      // With --auto-accept-this-tab-capture no picker is shown; audio comes from the mix.
      // Without a size, Chrome captures at a reduced default size (800 px wide here).
      tabCapture = await nativeGetDisplayMedia({
        video: {width: {ideal: captureWidth()}, height: {ideal: captureHeight()}, frameRate: 30},
        audio: false, preferCurrentTab: true});
      const videoSender = senderFor('video');
      if (videoSender) {
        await videoSender.replaceTrack(tabCapture.getVideoTracks()[0]);
        await applyVideoLimits();
      }
      // Capturing shows a "sharing this tab" bar that shrinks the view: report the view size
      // (now and on every resize) so the gateway can resize the window, and follow the view.
      const report = () => {
        const st = tabCapture.getVideoTracks()[0].getSettings();
        send({type: 'capture', width: st.width, height: st.height,
              innerWidth: innerWidth, innerHeight: innerHeight});
      };
      window.addEventListener('resize', () => { fitCapture().then(report, report); });
      report();
    } catch (e) {
      send({type: 'error', message: 'tab capture: ' + e});
    }
  }

  // The "joining" slate: from the moment the link is up until the gateway says the join is done
  // (joined()), the caller sees a still picture with a text and hears the joining prompt, not
  // the page of a meeting it is not in yet. Then the meeting's picture replaces it.
  let slate = null;        // {text, audio: base64 WAV} from the gateway (joining())
  let slateOutput = null;  // {track, timer, source} while shown
  let slateOver = false;   // joined(): never shown again in this document

  function showSlate() {
    if (!slate || slateOutput || slateOver || !pc || pc.connectionState !== 'connected') return;
    const videoSender = senderFor('video');
    if (!videoSender) return;
    const size = compositorSize();
    const canvas = document.createElement('canvas');
    canvas.width = size.width;
    canvas.height = size.height;
    const g = canvas.getContext('2d', {alpha: false});
    const lines = String(slate.text || '').split('\n');
    let tick = 0;
    // Redrawn a few times a second: a canvas stream sends a frame only when drawn, and the
    // moving dots tell the caller that something is happening.
    const draw = () => {
      g.fillStyle = '#102030';
      g.fillRect(0, 0, size.width, size.height);
      g.fillStyle = '#eee';
      g.textAlign = 'center';
      const px = Math.round(size.height / 14);
      g.font = `${px}px sans-serif`;
      lines.forEach((line, i) => {
        const dots = i === 0 ? '.'.repeat(tick % 4) : '';
        g.fillText(line + dots, size.width / 2, size.height / 2 + (i - (lines.length - 1) / 2) * px * 1.5);
      });
      tick++;
    };
    draw();
    const out = {track: null, timer: setInterval(draw, 250), source: null};
    out.track = canvas.captureStream(5).getVideoTracks()[0];
    slateOutput = out;
    videoSender.replaceTrack(out.track).then(() => applyVideoLimits()).catch(() => {});
    send({type: 'slate', state: 'shown', width: size.width, height: size.height});
    if (slate.audio) {
      ensureMix();
      const bytes = Uint8Array.from(atob(slate.audio), (c) => c.charCodeAt(0));
      audioContext.decodeAudioData(bytes.buffer).then((buffer) => {
        if (slateOutput !== out) return;
        out.source = audioContext.createBufferSource();
        out.source.buffer = buffer;
        out.source.connect(mixDestination);
        out.source.start();
      }).catch((e) => send({type: 'error', message: 'joining prompt: ' + e}));
    }
  }

  function endSlate() {
    slateOver = true;
    const out = slateOutput;
    if (!out) {
      routeAudio();
      return;
    }
    slateOutput = null;
    routeAudio();
    clearInterval(out.timer);
    if (out.source) { try { out.source.stop(); } catch (e) { /* not started yet */ } }
    const meetingTrack = composite ? composite.track
                                   : (tabCapture ? tabCapture.getVideoTracks()[0] : null);
    const videoSender = senderFor('video');
    const done = () => { out.track.stop(); send({type: 'slate', state: 'ended'}); };
    if (videoSender && meetingTrack) {
      videoSender.replaceTrack(meetingTrack).then(() => applyVideoLimits()).then(done, done);
    } else {
      done();
    }
  }

  // Whose a remote video is ({key, name, share, hidden, audio}), as the service's script says in
  // this frame (window.sipmediagwDescribeVideo, docs/services.md); looked up on each frame: the
  // service's script runs after this one, and in the meeting's iframe when there is one.
  function describeVideo(video) {
    const describe = window.sipmediagwDescribeVideo;
    const d = typeof describe === 'function' ? describe(video) : null;
    // A share that goes to the room's content line is not drawn in the main picture too.
    if (d && d.share && contentSending) return Object.assign({}, d, {hidden: true});
    return d;
  }

  // The meeting's share as the service shows it: of the remote <video>s its script calls a
  // share (and not hidden: our own content publisher) with a live video track, the one that
  // appeared last (the latest sharer wins, docs/content.md; when it goes, the one before it).
  // Keyed by the track itself: track ids are not unique across the meeting's connections
  // (Janus labels each subscription's tracks janus<mid>).
  const shareOrder = new Map();  // track → when first seen here
  let shareSeq = 0;
  function findShareTrack() {
    let latest = null;
    const live = new Set();
    for (const v of document.querySelectorAll('video')) {
      const describe = window.sipmediagwDescribeVideo;
      const d = typeof describe === 'function' ? describe(v) : null;
      if (!d || !d.share || d.hidden || !v.srcObject || !v.srcObject.getVideoTracks) continue;
      const t = v.srcObject.getVideoTracks()[0];
      if (!t || t.readyState !== 'live' || ownTrackIds.has(t.id) || contentClones.has(t.id))
        continue;
      live.add(t);
      if (!shareOrder.has(t)) shareOrder.set(t, ++shareSeq);
      if (!latest || shareOrder.get(t) > shareOrder.get(latest)) latest = t;
    }
    for (const t of shareOrder.keys()) if (!live.has(t)) shareOrder.delete(t);
    return latest;
  }

  function contentSender() {
    const t = pc && pc.getTransceivers()[CONTENT_MLINE];
    return t ? t.sender : null;
  }

  // Meeting → room: while on, keeps the content sender on the current share's track (a share
  // element may appear after the service reported the share, or be replaced).
  function sendContent(on) {
    contentSending = !!on;
    const sender = contentSender();
    if (!sender) return false;
    const follow = () => {
      const t = contentSending ? findShareTrack() : null;
      if (t === contentSent) return;
      contentSent = t;
      sender.replaceTrack(t).catch((e) => send({type: 'error', message: 'content: ' + e}));
      send({type: 'content', sending: !!t});
    };
    clearInterval(contentTimer);
    contentTimer = contentSending ? setInterval(follow, 500) : null;
    follow();
    return true;
  }

  function compositorSize() {
    let width = captureWidth();
    let height = captureHeight();
    let fps = 30;
    if (videoLimits) {
      const scale = Math.min(1, videoLimits.width / width, videoLimits.height / height);
      width = Math.max(2, Math.floor(width * scale / 2) * 2);
      height = Math.max(2, Math.floor(height * scale / 2) * 2);
      if (videoLimits.fps > 0) fps = Math.min(fps, videoLimits.fps);
    }
    return {width, height, fps};
  }

  // Capture at the view's current size.
  async function fitCapture() {
    const t = tabCapture && tabCapture.getVideoTracks()[0];
    if (!t) return null;
    await t.applyConstraints({width: {ideal: captureWidth()}, height: {ideal: captureHeight()},
                              frameRate: 30});
    await applyVideoLimits();
    return t.getSettings();
  }

  // The caller's limits on what we encode: scale the capture down to fit its frame size, and
  // cap the frame rate and bitrate. Nothing to do when the gateway transcodes.
  async function applyVideoLimits() {
    const sender = pc && senderFor('video');
    const t = tabCapture ? tabCapture.getVideoTracks()[0] : (composite && composite.track);
    if (!videoLimits || !sender || !t) return null;
    // Against the larger of what capture gives now and the size it is asked for: right after a
    // resize the settings may still be the old, smaller size.
    const st = tabCapture ? t.getSettings() : composite.size();
    const width = tabCapture ? Math.max(st.width || 0, captureWidth()) : st.width;
    const height = tabCapture ? Math.max(st.height || 0, captureHeight()) : st.height;
    const scale = Math.max(1, width / videoLimits.width, height / videoLimits.height);
    const p = sender.getParameters();
    if (!p.encodings || p.encodings.length === 0) p.encodings = [{}];
    p.encodings[0].scaleResolutionDownBy = scale;
    p.encodings[0].maxFramerate = videoLimits.fps;
    p.encodings[0].maxBitrate = videoLimits.bitrateKbps * 1000;
    // The caller gets the size it can take from the first frame on (else Chrome starts low).
    p.degradationPreference = 'maintain-resolution';
    await sender.setParameters(p);
    return p.encodings[0];
  }

  // The meeting's own peer connections (not our link): their remote audio is what the caller
  // must hear, and their stats say what really flows (meetingStats).
  const meetingConnections = new Set();
  // The meeting's own peer connections: their remote audio is what the caller must hear.
  function BridgedPeerConnection(...args) {
    const asked = args[0];
    if (forwarder) args[0] = forwarder.configure(asked);
    const conn = new NativePeerConnection(...args);
    // First: its track listener gives video receivers their transform before anyone else.
    if (meetingForwarder) meetingForwarder.adopt(conn, asked);
    if (forwarder) forwarder.adopt(conn, asked);
    conn.addEventListener('track', (ev) => mixAudio(ev.track));
    meetingConnections.add(conn);
    let reported = false;
    conn.addEventListener('connectionstatechange', () => {
      if (conn.connectionState === 'closed') meetingConnections.delete(conn);
      // When the meeting's connection carrying the caller is up: a step of the join, before the
      // meeting's other participants can subscribe (docs/browser.md, "Where a join's time goes").
      if (conn.connectionState === 'connected' && !reported) {
        reported = true;
        const publishing = conn.getSenders().some((s) => s.track && ownTrackIds.has(s.track.id));
        send({type: 'meeting_connection', state: 'connected', publishing});
      }
    });
    return conn;
  }
  BridgedPeerConnection.prototype = NativePeerConnection.prototype;
  Object.setPrototypeOf(BridgedPeerConnection, NativePeerConnection);
  window.RTCPeerConnection = BridgedPeerConnection;
  if (window.webkitRTCPeerConnection) window.webkitRTCPeerConnection = BridgedPeerConnection;

  async function getUserMedia(constraints) {
    constraints = constraints || {};
    if (!constraints.audio && !constraints.video)
      throw new TypeError('getUserMedia: audio or video must be requested');
    await start();
    // Clones: the meeting may stop() what it got without ending our link.
    const tracks = [];
    if (constraints.audio) tracks.push(incoming.getAudioTracks()[0].clone());
    if (constraints.video) tracks.push(incoming.getVideoTracks()[0].clone());
    for (const t of tracks) ownTrackIds.add(t.id);
    return new NativeMediaStream(tracks);
  }

  if (forwarder) {
    forwarder.setOwn((t) => ownTrackIds.has(t.id));
    forwarder.setOwnContent((t) => contentClones.has(t.id));
    forwarder.onReport(send);
  }
  if (meetingForwarder) meetingForwarder.onReport(send);

  const replace = (obj, name, fn) => Object.defineProperty(obj, name, {
    value: fn, writable: true, configurable: true});
  replace(mediaDevices, 'getUserMedia', getUserMedia);
  replace(mediaDevices, 'enumerateDevices', async () => DEVICES.slice());
  // Room → meeting: while the gateway arms it (the room holds the floor and sends content), a
  // screen share the service starts (its share control, or the adapter's share_start) gets the
  // room's content instead of a picker; otherwise the browser's own.
  replace(mediaDevices, 'getDisplayMedia', async (constraints) => {
    if (contentArmed && contentTrack && contentTrack.readyState === 'live') {
      const t = contentTrack.clone();
      contentClones.add(t.id);
      return new NativeMediaStream([t]);
    }
    if (!nativeGetDisplayMedia) throw new DOMException('no screen to share', 'NotAllowedError');
    return nativeGetDisplayMedia(constraints);
  });
  if (navigator.getUserMedia) {
    replace(navigator, 'getUserMedia', (c, ok, err) => getUserMedia(c).then(ok, err));
  }

  // Per-stream RTP figures (audio and video) of the link and of the meeting's connections
  // (issue 13: where a frame waits inside this page): receivers' jitter buffer and decode,
  // senders' pacer queue (totalPacketSendDelay) and bitrate. Cumulative counters, as getStats
  // gives them; the gateway logs them (`page rtp stats`) and meeting_bench diffs two of them.
  const IN_KEYS = ['packetsReceived', 'packetsLost', 'framesReceived', 'framesDecoded',
                   'framesDropped', 'keyFramesDecoded', 'jitterBufferDelay',
                   'jitterBufferTargetDelay', 'jitterBufferMinimumDelay',
                   'jitterBufferEmittedCount', 'totalProcessingDelay', 'totalDecodeTime',
                   'totalAssemblyTime', 'framesAssembledFromMultiplePackets', 'freezeCount',
                   'totalFreezesDuration', 'totalInterFrameDelay', 'nackCount', 'pliCount'];
  const OUT_KEYS = ['packetsSent', 'bytesSent', 'framesSent', 'framesEncoded', 'keyFramesEncoded',
                    'totalPacketSendDelay', 'totalEncodeTime', 'targetBitrate',
                    'qualityLimitationReason', 'retransmittedPacketsSent', 'nackCount',
                    'pliCount', 'active'];
  async function rtpStreams(conn, where) {
    const out = [];
    (await conn.getStats()).forEach((s) => {
      if (s.type !== 'inbound-rtp' && s.type !== 'outbound-rtp') return;
      const inbound = s.type === 'inbound-rtp';
      const r = {where, kind: s.kind, dir: inbound ? 'in' : 'out', ssrc: s.ssrc};
      for (const k of inbound ? IN_KEYS : OUT_KEYS) if (s[k] !== undefined) r[k] = s[k];
      out.push(r);
    });
    return out;
  }
  async function rtpStats() {
    let streams = pc ? await rtpStreams(pc, 'link') : [];
    for (const conn of meetingConnections) {
      if (conn.connectionState !== 'closed')
        streams = streams.concat(await rtpStreams(conn, 'meeting'));
    }
    return {at: Date.now(), streams};
  }

  window.__smgwBridge = Object.freeze({
    version: 1,
    // Called by the gateway (Runtime.evaluate) with one message.
    receive(msg) {
      if (!pc) start();
      if (msg.type === 'offer') {
        // The gateway may say which size it wants (an iframe cannot see the tab's size).
        if (msg.capture && msg.capture.width > 0 && msg.capture.height > 0) captureSize = msg.capture;
        if (msg.videoLimits && msg.videoLimits.width > 0 && msg.videoLimits.height > 0)
          videoLimits = msg.videoLimits;
        onOffer(msg.sdp).catch((e) => send({type: 'error', message: 'offer: ' + e}));
      } else if (msg.type === 'candidate') {
        pc.addIceCandidate({candidate: msg.candidate, sdpMLineIndex: msg.sdpMLineIndex})
            .catch((e) => send({type: 'error', message: 'candidate: ' + e}));
      }
      return true;
    },
    // Starts the link before the meeting asks for media (the gateway may call this at load).
    connect() { start(); return true; },
    // Content line (docs/content.md): whether the link has a content track from the room; arm
    // getDisplayMedia with it (room → meeting); send the meeting's share on it (meeting → room).
    hasContent() { return contentTrack !== null; },
    armContent(on) { contentArmed = !!on && contentTrack !== null; return contentArmed; },
    sendContent(on) { return sendContent(on); },
    isOwnContent(track) { return !!track && contentClones.has(track.id); },
    // The codec the link carries the room's content in ("vp8", or "h264" when the gateway
    // passes the room's H.264 through), or '' before it is negotiated: a
    // service whose server picks the share's codec can ask for this one, which lets the page
    // forward the content without decoding it (forwarder.js).
    contentCodec() {
      const t = pc && pc.getTransceivers()[CONTENT_MLINE];
      const codecs = t ? t.receiver.getParameters().codecs || [] : [];
      return codecs.length ? codecs[0].mimeType.replace(/^video\//i, '').toLowerCase() : '';
    },
    // The gateway's "joining" slate ({text, audio: base64 WAV}), shown once the link is up...
    joining(what) {
      if (slateOver || !what) return false;
      slate = {text: String(what.text || ''), audio: typeof what.audio === 'string' ? what.audio : ''};
      showSlate();
      return true;
    },
    // ...until the join is done: the meeting's picture and sound replace it.
    joined() { endSlate(); return true; },
    slateShown() { return slateOutput !== null; },
    state() { return pc ? pc.connectionState : 'idle'; },
    mixedTrackCount() { return mixedTracks.size; },
    // 'direct' (one remote voice sent as its own track) or 'mix' (routeAudio()).
    audioRoute() { return audioRoute; },
    fitCapture() { return fitCapture(); },
    // Addresses of the ICE pair in use ("address:port"), for diagnostics and tests.
    async selectedPair() {
      if (!pc) return null;
      const stats = await pc.getStats();
      let pair = null;
      stats.forEach((s) => {
        if (s.type === 'transport' && s.selectedCandidatePairId)
          pair = stats.get(s.selectedCandidatePairId);
      });
      if (!pair) return null;
      const local = stats.get(pair.localCandidateId);
      const remote = stats.get(pair.remoteCandidateId);
      return {local: local.address + ':' + local.port, remote: remote.address + ':' + remote.port};
    },
    // The video our sender encodes toward the gateway (codec, size, frames, keyframes, the
    // limits applied) and what we receive from it, for diagnostics and tests.
    async videoStats() {
      if (!pc) return null;
      const stats = await pc.getStats();
      const out = {sent: null, received: null,
                   encoding: senderFor('video') ? senderFor('video').getParameters().encodings[0]
                                                : null};
      stats.forEach((s) => {
        if (s.kind !== 'video') return;
        const codec = s.codecId && stats.get(s.codecId);
        const c = codec ? {mimeType: codec.mimeType, sdpFmtpLine: codec.sdpFmtpLine} : null;
        if (s.type === 'outbound-rtp') {
          out.sent = {codec: c, width: s.frameWidth, height: s.frameHeight,
                      framesEncoded: s.framesEncoded, keyFramesEncoded: s.keyFramesEncoded,
                      pliCount: s.pliCount, firCount: s.firCount, encoder: s.encoderImplementation};
        } else if (s.type === 'inbound-rtp') {
          out.received = {codec: c, width: s.frameWidth, height: s.frameHeight,
                          framesDecoded: s.framesDecoded, keyFramesDecoded: s.keyFramesDecoded,
                          pliCount: s.pliCount, firCount: s.firCount};
        }
      });
      return out;
    },
    // What flows on the meeting's own connections (not our link), summed over them: the
    // caller's media sent to the meeting (outbound RTP whose source is a track getUserMedia
    // handed out) and the meeting's media received. For probe-meeting and diagnostics.
    async meetingStats() {
      const zero = () => ({bytes: 0, packets: 0, frames: 0, width: 0, height: 0});
      const out = {connections: meetingConnections.size,
                   sent: {audio: zero(), video: zero()}, received: {audio: zero(), video: zero()},
                   otherSent: {audio: zero(), video: zero()}};
      const add = (to, s, bytes, packets, frames) => {
        to.bytes += s[bytes] || 0;
        to.packets += s[packets] || 0;
        to.frames += s[frames] || 0;
        if (s.frameWidth) { to.width = s.frameWidth; to.height = s.frameHeight; }
      };
      for (const conn of meetingConnections) {
        if (conn.connectionState === 'closed') continue;
        const stats = await conn.getStats();
        stats.forEach((s) => {
          if (s.kind !== 'audio' && s.kind !== 'video') return;
          if (s.type === 'outbound-rtp') {
            const source = s.mediaSourceId && stats.get(s.mediaSourceId);
            const own = source && ownTrackIds.has(source.trackIdentifier);
            add((own ? out.sent : out.otherSent)[s.kind], s, 'bytesSent', 'packetsSent',
                'framesEncoded');
          } else if (s.type === 'inbound-rtp') {
            add(out.received[s.kind], s, 'bytesReceived', 'packetsReceived', 'framesDecoded');
          }
        });
      }
      return out;
    },
    // The size of what tab capture produces (before the encoder scales it), for diagnostics.
    compositorTiles() { return composite ? composite.tiles() : null; },
    compositorSize() { return composite ? composite.size() : null; },
    // The compositor's layout ([browser] meeting_layout; the in-call layout key cycles it) and
    // what its last frame showed (tiles with their names and places, the active speaker).
    compositorLayout(name) {
      if (!composite) return null;
      return name === 'next' ? composite.cycleLayout()
                             : (name ? composite.setLayout(name) : composite.layout());
    },
    compositorState() { return composite ? composite.state() : null; },
    // The caller's video into the meeting: forwarded encoded or decoded and re-encoded here.
    forwardStats() { return forwarder ? forwarder.stats() : {mode: 'decoded', reason: 'off'}; },
    // The meeting's video to the caller: forwarded encoded or drawn by the compositor.
    // A promise: the frame counters are the worker's, asked for now.
    meetingForwardStats() {
      return meetingForwarder ? meetingForwarder.freshStats()
                              : Promise.resolve({mode: 'composited', reason: 'off'});
    },
    captureSettings() {
      const t = tabCapture && tabCapture.getVideoTracks()[0];
      return t ? t.getSettings() : null;
    },
  });
})();
