// sipmediagw encoded forwarding: the caller's video goes from the gateway's link into the
// meeting's sender as encoded frames, without Chromium decoding it from the link and encoding it
// again for the meeting (about 0.2 core per 720p30 call; /work/shared/notes and docs/browser.md).
// Injected before media_bridge.js in every frame; idle unless the bridge uses it.
//
// How: the link's video receiver gets an RTCRtpScriptTransform (a worker) that, while forwarding,
// withholds the frames from the link's decoder and writes them into the encoded stream of the
// meeting's sender (meeting connections are created with encodedInsertableStreams, and every
// sender's createEncodedStreams() pair is transferred to that worker, which passes the sender's
// own frames through while nothing is forwarded into it). Chromium 156 sends frames from a
// receiver only through such a writable (written on the page's thread, or in a worker it was
// transferred to); written into a sender's script transform, copied or not, they are dropped
// without an error (docs/browser.md "Encoded forwarding").
//
// Forwarding needs one meeting sender carrying the caller's video, enabled, one encoding (no
// simulcast) and the link's codec (H.264: same profile, packetization-mode=1 on the meeting side,
// which can fragment whatever the caller's NAL units are) under the link's payload type: Chromium
// keeps a received frame's payload type when it is written into a sender and refuses to change
// it, so frames under a number the meeting gave another codec are dropped by the far end, one
// keyframe request each. The gateway therefore numbers the link's video as this Chromium numbers
// that codec in its own offers (nativeVideoFormats, sent with the bridge's hello), which is what
// a meeting whose offers come from the page negotiates. Otherwise the page decodes and
// re-encodes as before ("decoded" mode, with the reason reported). The meeting's keyframe
// requests (PLI/FIR counted on its sender) become keyframe requests on the link
// (sendKeyFrameRequest: RTCP PLI to the gateway, which relays it to the SIP caller).
(() => {
  'use strict';
  if (window.__smgwForwarder) return;
  if (typeof RTCRtpScriptTransform !== 'function' || typeof Worker !== 'function' ||
      !window.RTCRtpSender || !('createEncodedStreams' in RTCRtpSender.prototype)) {
    window.__smgwForwarder = Object.freeze({available: false});
    return;
  }

  // Ours, not the bridge's wrapper installed after this script (that one adopts connections).
  const NativePeerConnection = window.RTCPeerConnection;

  // One worker holds the link's receivers (one lane each: the caller's video, its audio, the
  // room's content) and every meeting sender's encoded streams (transferred to it), so a
  // forwarded frame goes from the link's receiver into the meeting's sender without leaving
  // that thread. Through the page's thread (where Chromium 156 also takes frames), each frame
  // waited behind the meeting's own JavaScript: a mean 7-180 ms and up to 2 s in meeting_bench,
  // and the caller's audio reached the meeting in bursts that every participant's jitter buffer
  // then held (bench/meeting/README.md "The forwarded frames written from the worker").
  const WORKER = `'use strict';
const lanes = new Map();  // 'video' | 'audio' | 'content' -> its state
const pipes = new Map();  // id -> {writer, forwarding}: a meeting sender's encoded streams
let ownDropped = 0;
function lane(name) {
  let l = lanes.get(name);
  if (!l) {
    // Opus (the audio lane): every frame stands alone, nothing to wait for or ask.
    l = {name, transformer: null, decode: true, forward: false, waitKey: name !== 'audio',
         target: 0, frames: 0, requests: 0, lastRequest: 0, writeErrors: 0, codec: ''};
    lanes.set(name, l);
  }
  return l;
}
function requestKeyFrame(l) {
  const now = Date.now();
  if (l.name === 'audio') return;
  // Decoders and SFUs ask on every broken frame; one request per 300 ms is enough.
  if (!l.transformer || now - l.lastRequest < 300) return;
  l.lastRequest = now;
  l.requests++;
  l.transformer.sendKeyFrameRequest().catch(() => {});
}
function forward(l, frame) {
  const pipe = pipes.get(l.target);
  if (!pipe) return;
  l.frames++;
  if (frame.type === 'key' && l.name === 'video') postMessage({lane: l.name, keyframe: true});
  pipe.writer.write(frame).catch(() => { l.writeErrors++; });
}
onrtctransform = (ev) => {
  const options = ev.transformer.options || {};
  if (options.pass) {
    ev.transformer.readable.pipeTo(ev.transformer.writable).catch(() => {});
    return;
  }
  const l = lane(options.lane || 'video');
  l.transformer = ev.transformer;
  const reader = l.transformer.readable.getReader();
  const writer = l.transformer.writable.getWriter();
  (async () => {
    for (;;) {
      const {value, done} = await reader.read();
      if (done) return;
      const meta = value.getMetadata();
      if (meta.mimeType && meta.mimeType !== l.codec) {
        l.codec = meta.mimeType;
        postMessage({lane: l.name, codec: l.codec, payloadType: meta.payloadType});
      }
      if (l.forward) {
        if (l.waitKey && value.type === 'key') l.waitKey = false;
        if (!l.waitKey) forward(l, value);
        // The keyframe asked for may have been lost on the way: ask again while waiting.
        else requestKeyFrame(l);
      } else if (l.decode) {
        await writer.write(value);
      }
    }
  })().catch((e) => postMessage({lane: l.name, error: String(e)}));
};
// A meeting sender's own frames pass through, unless a lane forwards into it: then its own
// encoder (of the undecoded link track) has nothing worth sending; nor while the lane is about
// to (hold): a far end that decoded the encoder's frames may then refuse every forwarded one,
// keyframes included (docs/browser.md "Encoded forwarding").
function pipe(id, readable, writable) {
  const p = {writer: writable.getWriter(), forwarding: false, hold: false};
  pipes.set(id, p);
  const reader = readable.getReader();
  (async () => {
    for (;;) {
      const {value, done} = await reader.read();
      if (done) break;
      if (p.forwarding || p.hold) {
        ownDropped++;
        continue;
      }
      await p.writer.write(value);
    }
  })().catch(() => {}).finally(() => pipes.delete(id));
}
function stats() {
  const out = {ownDropped};
  for (const [name, l] of lanes)
    out[name] = {frames: l.frames, requests: l.requests, writeErrors: l.writeErrors, codec: l.codec};
  return out;
}
onmessage = (e) => {
  const m = e.data;
  if (m.pipe) {
    if (m.readable) pipe(m.pipe, m.readable, m.writable);
    const p = pipes.get(m.pipe);
    if (p && m.forwarding !== undefined) p.forwarding = m.forwarding;
    if (p && m.hold !== undefined) p.hold = m.hold;
    return;
  }
  if (m.stats) {
    postMessage({stats: stats()});
    return;
  }
  const l = lane(m.lane);
  if (m.mode) {
    const wasForwarding = l.forward;
    const wasDecoding = l.decode;
    l.forward = m.mode === 'encoded';
    l.decode = !l.forward;
    l.target = l.forward ? m.target : 0;
    // Either side starts from a keyframe: ask the caller for one now.
    if (l.forward && !wasForwarding) l.waitKey = l.name !== 'audio';
    if (l.forward !== wasForwarding || l.decode !== wasDecoding) requestKeyFrame(l);
  }
  if (m.keyframe) requestKeyFrame(l);
};`;

  let worker = null;
  let workerError = '';
  let linkReceiver = null;
  let linkCodec = null;       // {mimeType, payloadType} of the frames arriving on the link
  let isOwn = () => false;    // set by the bridge: a track getUserMedia handed out
  let report = () => {};      // set by the bridge: a message to the gateway
  let mode = '';              // 'encoded' | 'decoded'
  let reason = '';
  let target = null;          // the sender pipe frames are forwarded into
  // The worker's counters (its reply to {stats}, asked every 250 ms): per lane {frames,
  // requests, writeErrors, codec}, and ownDropped (meeting senders' own frames not sent).
  let workerStats = {ownDropped: 0};
  let encoderFrames = -1;     // framesEncoded of that sender's own encoder (its stats)
  let encoderFramesAtStart = -1;
  let formats = null;         // promise of nativeVideoFormats()
  let lastKeyRequests = -1;   // the target's PLI+FIR count last seen
  let keyRequestSeenAt = 0;   // Date.now() when that count last grew, until a keyframe follows
  let keyAnswersReported = 0;
  let polling = false;
  let timer = null;
  let tick = 0;
  let pipeSeq = 0;
  const connections = new Set();
  // RTCRtpSender -> {sender, id (0: piped on this thread), forwarding, hold}
  const pipes = new Map();
  // The caller's audio (Opus from the gateway) takes the same way into the meeting's audio
  // sender: decoded, it waits in the link's NetEq jitter buffer and the meeting's Opus encoder,
  // about 100 ms behind the forwarded picture (bench/meeting/README.md).
  const audio = {worker: null, error: '', receiver: null, codec: null, mode: '', reason: '',
                 target: null, mutes: 0};
  // The room's content (docs/content.md): the link's content track arrives encoded (the room's
  // H.264 or VP8 passed through by the gateway, else VP8 the gateway encodes) and goes the same
  // way into the meeting sender that carries the screen share of it (a clone getDisplayMedia
  // handed out), so the page neither decodes nor re-encodes the slides. The share sender's
  // keyframe requests go back on the link's content line, and through the gateway to the room.
  const content = {worker: null, error: '', receiver: null, codec: null, mode: '', reason: '',
                   target: null, keyframeRelays: 0, lastKeyRequests: -1, polling: false};
  let isOwnContent = () => false;  // set by the bridge: a content clone getDisplayMedia gave
  const pipedReceivers = new WeakSet();
  const lanes = {audio, content};

  function spawnWorker() {
    const url = URL.createObjectURL(new Blob([WORKER], {type: 'text/javascript'}));
    // The URL stays valid: revoked at once, the worker's script may not have been fetched yet.
    return new Worker(url);
  }

  function laneStats(name) {
    return workerStats[name] || {frames: 0, requests: 0, writeErrors: 0, codec: ''};
  }

  function ensureWorker() {
    if (worker || workerError) return worker;
    try {
      worker = spawnWorker();
    } catch (e) {
      // A page whose Content-Security-Policy forbids blob: workers keeps the decode path.
      workerError = 'no worker: ' + e;
      return null;
    }
    audio.worker = worker;
    content.worker = worker;
    worker.onmessage = (e) => {
      const m = e.data;
      if (m.stats) {
        workerStats = m.stats;
        return;
      }
      const lane = lanes[m.lane];
      if (m.keyframe) {
        // How long a meeting's keyframe request waits for the caller's keyframe (through the
        // gateway to the SIP caller and back): what a new subscriber waits for its first picture.
        if (keyRequestSeenAt) {
          if (keyAnswersReported++ < 10)
            report({type: 'forward_keyframe', waitedMs: Date.now() - keyRequestSeenAt});
          keyRequestSeenAt = 0;
        }
      } else if (m.codec) {
        if (lane) lane.codec = {mimeType: m.codec, payloadType: m.payloadType};
        else linkCodec = {mimeType: m.codec, payloadType: m.payloadType};
        evaluate();
      } else if (m.error) {
        if (lane) lane.error = 'link ' + m.lane + ' transform: ' + m.error;
        else workerError = 'link transform: ' + m.error;
        evaluate();
      }
    };
    worker.onerror = (e) => {
      workerError = 'worker: ' + (e.message || 'error');
      audio.error = content.error = workerError;
      // Without its worker a transform passes nothing: give the link's decoders their frames
      // back.
      for (const r of [linkReceiver, audio.receiver, content.receiver])
        if (r) r.transform = null;
      evaluate();
    };
    return worker;
  }

  // A link receiver, from the bridge's ontrack (a transform set later sees no frame): the
  // caller's video (`lane` null), or the audio or content lane.
  function attachReceiver(lane, name, receiver) {
    if (!ensureWorker()) {
      if (lane) lane.error = workerError;
      return;
    }
    try {
      receiver.transform = new RTCRtpScriptTransform(worker, {lane: name});
      if (lane) lane.receiver = receiver;
      else linkReceiver = receiver;
    } catch (e) {
      if (lane) lane.error = 'link ' + name + ' transform: ' + e;
      else workerError = 'link transform: ' + e;
    }
    start();
  }

  function attachLinkReceiver(receiver) {
    attachReceiver(null, 'video', receiver);
  }

  function attachLinkAudioReceiver(receiver) {
    attachReceiver(audio, 'audio', receiver);
  }

  function attachLinkContentReceiver(receiver) {
    attachReceiver(content, 'content', receiver);
  }

  // Muting disables the sender's track (janus.js muteAudio(), the other services alike): not
  // one more frame of the caller once it is off. The worker writes the frames, and it sees no
  // track, so the setter itself takes the lane back to the decode path (where the disabled
  // track sends silence) before it returns; unmuting forwards again.
  const watchedTracks = new WeakSet();
  const enabledProperty = Object.getOwnPropertyDescriptor(MediaStreamTrack.prototype, 'enabled');
  function watchEnabled(track) {
    if (!track || watchedTracks.has(track) || !enabledProperty) return;
    watchedTracks.add(track);
    Object.defineProperty(track, 'enabled', {
      configurable: true,
      get() { return enabledProperty.get.call(this); },
      set(on) {
        const was = enabledProperty.get.call(this);
        enabledProperty.set.call(this, on);
        if (was && !on && audio.target && audio.target.sender.track === this) audio.mutes++;
        if (was !== !!on) evaluate();
      }});
  }

  // Meeting connections: encoded streams on, unless the meeting asked for them itself (its own
  // end-to-end encryption): then it pipes them, and this connection is left alone.
  function configure(config) {
    if (config && config.encodedInsertableStreams !== undefined) return config;
    return Object.assign({}, config || {}, {encodedInsertableStreams: true});
  }

  // The meeting's audio receivers pass their frames through in the worker ({pass: true}): piped
  // on the page's thread, the meeting's audio reached NetEq in one burst after each stall of that
  // thread (0.8 s at a join in meeting_bench), and NetEq kept the delay it measured then for
  // 20 s and more: the caller heard the meeting 0.5-1.2 s late (bench/meeting/README.md "Audio
  // held at the join"). Video receivers stay as they were (meeting_forwarder.js takes them).
  function pipeReceiver(receiver) {
    if (pipedReceivers.has(receiver)) return;
    pipedReceivers.add(receiver);
    // Already transformed (meeting_forwarder.js takes video receivers first): frames flow.
    if (receiver.transform) return;
    if (receiver.track && receiver.track.kind === 'audio' && ensureWorker()) {
      try {
        receiver.transform = new RTCRtpScriptTransform(worker, {pass: true});
        return;
      } catch (e) { /* the page's thread pipes it below */ }
    }
    try {
      const {readable, writable} = receiver.createEncodedStreams();
      readable.pipeTo(writable).catch(() => {});
    } catch (e) { /* someone else's already */ }
  }

  // A meeting sender's encoded streams go to the worker (where a lane may forward into them);
  // without a worker its own frames pass through on this thread, and nothing is forwarded.
  function pipeSender(sender) {
    if (pipes.has(sender)) return;
    let streams;
    try {
      streams = sender.createEncodedStreams();
    } catch (e) {
      pipes.set(sender, null);
      return;
    }
    if (ensureWorker()) {
      const pipe = {sender, id: ++pipeSeq, forwarding: false, hold: false};
      try {
        worker.postMessage({pipe: pipe.id, readable: streams.readable, writable: streams.writable},
                           [streams.readable, streams.writable]);
        pipes.set(sender, pipe);
        return;
      } catch (e) {
        // Streams not transferable here: this thread pipes them, and forwarding stays off.
        workerError = 'meeting sender streams not transferable: ' + e;
      }
    }
    pipes.set(sender, {sender, id: 0, forwarding: false, hold: false});
    streams.readable.pipeTo(streams.writable).catch(() => {});
  }

  function scan(conn) {
    if (conn.connectionState === 'closed') {
      connections.delete(conn);
      return;
    }
    for (const s of conn.getSenders()) pipeSender(s);
    for (const r of conn.getReceivers()) pipeReceiver(r);
  }

  function adopt(conn, config) {
    if (config && config.encodedInsertableStreams !== undefined) return;
    connections.add(conn);
    // Before the meeting's own listeners: a receiver must be piped before its first frame.
    conn.addEventListener('track', (ev) => pipeReceiver(ev.receiver));
    const after = (name) => {
      const native = conn[name];
      Object.defineProperty(conn, name, {
        configurable: true, writable: true,
        value: function (...args) {
          const r = native.apply(conn, args);
          // The codec is known once negotiated, the track once added: decide now, not at the
          // next periodic check, or the caller's first pictures wait for it.
          if (r && typeof r.then === 'function') return r.then((v) => { evaluate(); return v; });
          evaluate();
          return r;
        }});
    };
    for (const name of ['addTrack', 'addTransceiver', 'setRemoteDescription',
                        'setLocalDescription'])
      after(name);
    start();
  }

  function fmtp(line, key) {
    const m = new RegExp('(?:^|;)\\s*' + key + '=([^;]*)').exec(line || '');
    return m ? m[1].trim().toLowerCase() : '';
  }

  // Why `sender` cannot take the link's frames as they are, or '' when it can. `lane`: the
  // link's video ({worker, error, receiver, codec}) or its content.
  function refusal(sender, lane) {
    const isContent = lane === content;
    if (!lane.worker || lane.error) return lane.error || 'no worker';
    if (!lane.receiver) return 'no link receiver';
    if (!lane.codec)
      return isContent ? 'no content from the link yet' : 'no video from the link yet';
    if (!sender.track.enabled)
      return isContent ? 'share paused in the meeting' : 'camera off in the meeting';
    const linkCodec = lane.codec;
    const linkReceiver = lane.receiver;
    const p = sender.getParameters();
    if (p.encodings && p.encodings.length > 1) return 'the meeting sends simulcast';
    const codec = p.codecs && p.codecs[0];
    if (!codec) return 'no codec negotiated with the meeting yet';
    if (codec.mimeType.toLowerCase() !== linkCodec.mimeType.toLowerCase())
      return 'the meeting takes ' + codec.mimeType + ', the link carries ' + linkCodec.mimeType;
    if (codec.payloadType !== linkCodec.payloadType)
      return 'the meeting numbers ' + codec.mimeType + ' ' + codec.payloadType +
          ', the link ' + linkCodec.payloadType;
    if (/h264/i.test(codec.mimeType)) {
      if (fmtp(codec.sdpFmtpLine, 'packetization-mode') !== '1')
        return 'the meeting negotiated H.264 packetization-mode=0';
      const link = (linkReceiver.getParameters().codecs || [])
          .find((c) => c.payloadType === linkCodec.payloadType);
      const ours = fmtp(link && link.sdpFmtpLine, 'profile-level-id').slice(0, 2);
      const theirs = fmtp(codec.sdpFmtpLine, 'profile-level-id').slice(0, 2);
      if (ours && theirs && ours !== theirs)
        return 'H.264 profile ' + ours + ' on the link, ' + theirs + ' in the meeting';
    }
    return '';
  }

  // Why the meeting's audio `sender` cannot take the link's Opus frames as they are, or ''.
  function audioRefusal(sender) {
    if (!audio.worker || audio.error) return audio.error || 'no worker';
    if (!audio.receiver) return 'no link receiver';
    if (!audio.codec) return 'no audio from the link yet';
    if (!sender.track.enabled) return 'microphone muted in the meeting';
    const p = sender.getParameters();
    if (p.encodings && p.encodings.length > 1) return 'the meeting sends several audio encodings';
    const codec = p.codecs && p.codecs[0];
    if (!codec) return 'no codec negotiated with the meeting yet';
    if (codec.mimeType.toLowerCase() !== audio.codec.mimeType.toLowerCase())
      return 'the meeting takes ' + codec.mimeType + ', the link carries ' + audio.codec.mimeType;
    if (codec.payloadType !== audio.codec.payloadType)
      return 'the meeting numbers ' + codec.mimeType + ' ' + codec.payloadType +
          ', the link ' + audio.codec.payloadType;
    return '';
  }

  // Both paths keep the picture size the caller sends and a sane bitrate: without these the
  // first seconds go out at 320x180 when the page encodes.
  function tune(sender) {
    const p = sender.getParameters();
    if (!p.encodings || p.encodings.length !== 1) return;
    let changed = false;
    if (p.degradationPreference !== 'maintain-resolution') {
      p.degradationPreference = 'maintain-resolution';
      changed = true;
    }
    if (!p.encodings[0].maxBitrate) {
      p.encodings[0].maxBitrate = 2500000;
      changed = true;
    }
    if (changed) sender.setParameters(p).catch(() => {});
  }

  const PENDING = new Set(['no worker', 'no link receiver', 'no video from the link yet',
                           'no audio from the link yet',
                           'no codec negotiated with the meeting yet',
                           'the meeting sends no caller video yet',
                           'the meeting sends no caller audio yet',
                           'no content from the link yet', 'the meeting shares no room content']);

  // The audio lane's choice: the one meeting sender carrying the caller's microphone, or null.
  function chooseAudio() {
    const candidates = [];
    for (const pipe of pipes.values()) {
      if (!pipe) continue;
      const t = pipe.sender.track;
      if (t && t.kind === 'audio' && t.readyState === 'live' && isOwn(t)) {
        watchEnabled(t);
        candidates.push(pipe);
      }
    }
    if (candidates.length === 0) return {next: null, why: 'the meeting sends no caller audio yet'};
    if (candidates.length > 1)
      return {next: null, why: 'the caller audio goes to ' + candidates.length + ' meeting senders'};
    const why = audioRefusal(candidates[0].sender);
    return {next: why ? null : candidates[0], why};
  }

  function evaluate() {
    for (const conn of connections) scan(conn);
    const candidates = [];
    for (const pipe of pipes.values()) {
      if (!pipe) continue;
      const t = pipe.sender.track;
      if (t && t.kind === 'video' && t.readyState === 'live' && isOwn(t)) candidates.push(pipe);
    }
    let next = null;
    let why = '';
    if (candidates.length === 0) {
      why = 'the meeting sends no caller video yet';
    } else if (candidates.length > 1) {
      why = 'the caller video goes to ' + candidates.length + ' meeting senders';
    } else {
      why = refusal(candidates[0].sender,
                    {worker, error: workerError, receiver: linkReceiver, codec: linkCodec});
      if (!why) next = candidates[0];
    }
    for (const c of candidates) tune(c.sender);
    const a = audio.receiver ? chooseAudio() : {next: null, why: ''};
    const s = content.receiver ? chooseContent() : {next: null, why: ''};
    // The one sender a video lane will forward into once what it waits for is there (the
    // link's first frames, the meeting's codec): its encoder's frames stay in the page meanwhile,
    // so that the meeting's first picture from it is the forwarded keyframe. A sender the lane
    // refuses for good (another codec, simulcast) or while muted sends its own.
    const held = new Set();
    if (candidates.length === 1 && !next && PENDING.has(why)) held.add(candidates[0]);
    if (s.candidate && !s.next && PENDING.has(s.why)) held.add(s.candidate);
    for (const pipe of pipes.values()) {
      if (!pipe || !pipe.id) continue;
      const forwarding = pipe === next || pipe === a.next || pipe === s.next;
      if (forwarding !== pipe.forwarding) worker.postMessage({pipe: pipe.id, forwarding});
      pipe.forwarding = forwarding;
      const hold = !forwarding && held.has(pipe);
      if (hold !== pipe.hold) worker.postMessage({pipe: pipe.id, hold});
      pipe.hold = hold;
    }
    if (audio.receiver) decideAudio(a.next, a.why);
    if (content.receiver) decideContent(s.next, s.why);
    if (next !== target) {
      lastKeyRequests = -1;
      encoderFramesAtStart = -1;
    }
    target = next;
    const nextMode = target ? 'encoded' : 'decoded';
    if (worker) worker.postMessage({lane: 'video', mode: nextMode, target: target ? target.id : 0});
    if (nextMode !== mode || (nextMode === 'decoded' && why !== reason)) {
      mode = nextMode;
      reason = target ? '' : why;
      // Until the meeting negotiated the caller's video, "off" says nothing yet.
      report({type: 'forward', mode, reason, codec: linkCodec ? linkCodec.mimeType : '',
              pending: PENDING.has(reason)});
    }
  }

  // The content lane's choice: the one meeting sender carrying a share of the room's content.
  function chooseContent() {
    const candidates = [];
    for (const pipe of pipes.values()) {
      if (!pipe) continue;
      const t = pipe.sender.track;
      if (t && t.kind === 'video' && t.readyState === 'live' && isOwnContent(t))
        candidates.push(pipe);
    }
    if (candidates.length === 0) return {next: null, why: 'the meeting shares no room content'};
    if (candidates.length > 1)
      return {next: null,
              why: 'the room content goes to ' + candidates.length + ' meeting senders'};
    tune(candidates[0].sender);
    const why = refusal(candidates[0].sender, content);
    return {next: why ? null : candidates[0], why, candidate: candidates[0]};
  }

  function decideContent(next, why) {
    if (next !== content.target) content.lastKeyRequests = -1;
    content.target = next;
    const nextMode = next ? 'encoded' : 'decoded';
    if (worker) worker.postMessage({lane: 'content', mode: nextMode, target: next ? next.id : 0});
    if (nextMode === content.mode && (nextMode === 'encoded' || why === content.reason)) return;
    content.mode = nextMode;
    content.reason = next ? '' : why;
    report({type: 'forward', kind: 'content', mode: nextMode, reason: content.reason,
            codec: content.codec ? content.codec.mimeType : '',
            pending: PENDING.has(content.reason)});
  }

  // A sender's stats: the keyframe requests (PLI/FIR) it got and the frames its encoder made.
  function outbound(stats) {
    const out = {keyRequests: 0, encoded: 0};
    stats.forEach((s) => {
      if (s.type !== 'outbound-rtp') return;
      out.keyRequests += (s.pliCount || 0) + (s.firCount || 0);
      out.encoded += s.framesEncoded || 0;
    });
    return out;
  }

  // The share sender's keyframe requests (PLI/FIR from the meeting's SFU), as for the caller's
  // video: to the link's content line, where the gateway's content encoder answers them.
  async function relayContentKeyframeRequests() {
    const pipe = content.target;
    if (!pipe) return;
    const count = outbound(await pipe.sender.getStats()).keyRequests;
    if (pipe !== content.target) return;
    if (content.lastKeyRequests >= 0 && count > content.lastKeyRequests) {
      content.keyframeRelays++;
      worker.postMessage({lane: 'content', keyframe: true});
    }
    content.lastKeyRequests = count;
  }

  function decideAudio(next, why) {
    audio.target = next;
    const nextMode = next ? 'encoded' : 'decoded';
    if (worker) worker.postMessage({lane: 'audio', mode: nextMode, target: next ? next.id : 0});
    if (nextMode === audio.mode && (nextMode === 'encoded' || why === audio.reason)) return;
    audio.mode = nextMode;
    audio.reason = next ? '' : why;
    report({type: 'forward', kind: 'audio', mode: nextMode, reason: audio.reason,
            codec: audio.codec ? audio.codec.mimeType : '', pending: PENDING.has(audio.reason)});
  }

  // The meeting's keyframe requests reach its sender's encoder, which has no picture of ours:
  // they are counted in the sender's stats and relayed to the link.
  async function relayKeyframeRequests() {
    const pipe = target;
    if (!pipe) return;
    const {keyRequests, encoded} = outbound(await pipe.sender.getStats());
    if (pipe !== target) return;
    if (lastKeyRequests >= 0 && keyRequests > lastKeyRequests) {
      worker.postMessage({lane: 'video', keyframe: true});
      if (!keyRequestSeenAt) keyRequestSeenAt = Date.now();
    }
    lastKeyRequests = keyRequests;
    encoderFrames = encoded;
    if (encoderFramesAtStart < 0) encoderFramesAtStart = encoded;
  }

  function start() {
    if (timer) return;
    // The meeting's keyframe requests are seen only by polling its sender's stats. Every 50 ms
    // instead of 250 was tried for the new subscriber's keyframe (issue 13): no faster first
    // frame in the Janus demo (the SIP caller's answer dominates, docs/browser.md), so not kept.
    timer = setInterval(() => {
      tick++;
      // One poll at a time: on a loaded host getStats can take longer than the period.
      if (target && !polling) {
        polling = true;
        relayKeyframeRequests().catch(() => {}).finally(() => { polling = false; });
      }
      if (content.target && !content.polling) {
        content.polling = true;
        relayContentKeyframeRequests().catch(() => {})
            .finally(() => { content.polling = false; });
      }
      // Every second, or every 250 ms with an audio lane: back to forwarding soon after unmute.
      if (tick % 4 === 0 || audio.receiver) evaluate();
      if (worker) worker.postMessage({stats: true});
      if (tick % 20 === 0 && mode === 'encoded') report({type: 'forward_stats', ...stats()});
      if (tick % 20 === 0 && content.mode === 'encoded')
        report({type: 'forward_stats', kind: 'content', ...stats().content});
    }, 250);
  }

  // As of the worker's last reply (at most 250 ms old).
  function stats() {
    const v = laneStats('video');
    const a = laneStats('audio');
    const c = laneStats('content');
    return {mode: mode || 'decoded', reason, codec: linkCodec ? linkCodec.mimeType : '',
            frames: v.frames, keyframeRequests: v.requests,
            ownFramesDropped: workerStats.ownDropped || 0, writeErrors: v.writeErrors,
            // Frames the meeting sender's own encoder made since forwarding started: a handful
            // before the link's decoder stops, then none.
            encoderFrames: encoderFramesAtStart >= 0 ? encoderFrames - encoderFramesAtStart : 0,
            audio: {mode: audio.mode || 'decoded', reason: audio.reason,
                    codec: audio.codec ? audio.codec.mimeType : '', frames: a.frames,
                    writeErrors: a.writeErrors, mutes: audio.mutes},
            content: {mode: content.mode || 'decoded', reason: content.reason,
                      codec: content.codec ? content.codec.mimeType : '', frames: c.frames,
                      writeErrors: c.writeErrors, keyframeRelays: content.keyframeRelays}};
  }

  // Video formats as this Chromium numbers them in an offer of its own:
  // [{payloadType, codec, fmtp}], for the gateway to number the link's video the same way.
  function nativeVideoFormats() {
    if (formats) return formats;
    formats = (async () => {
      const pc = new NativePeerConnection({iceServers: []});
      try {
        pc.addTransceiver('video', {direction: 'sendonly'});
        const offer = await pc.createOffer();
        const out = [];
        const fmtp = {};
        for (const line of offer.sdp.split(/\r?\n/)) {
          const f = /^a=fmtp:(\d+) (.*)$/.exec(line);
          if (f) fmtp[f[1]] = f[2];
        }
        for (const line of offer.sdp.split(/\r?\n/)) {
          const r = /^a=rtpmap:(\d+) ([^/]+)\//.exec(line);
          if (r && !/^(rtx|red|ulpfec|flexfec-03)$/i.test(r[2]))
            out.push({payloadType: Number(r[1]), codec: r[2], fmtp: fmtp[r[1]] || ''});
        }
        return out;
      } finally {
        pc.close();
      }
    })().catch(() => []);
    return formats;
  }

  window.__smgwForwarder = Object.freeze({
    available: true,
    configure,
    adopt,
    attachLinkReceiver,
    attachLinkAudioReceiver,
    attachLinkContentReceiver,
    setOwn(fn) { isOwn = fn; },
    setOwnContent(fn) { isOwnContent = fn; },
    onReport(fn) { report = fn; },
    nativeVideoFormats,
    stats,
  });
})();
