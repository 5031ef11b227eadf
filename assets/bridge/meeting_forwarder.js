// sipmediagw meeting-video forwarding: when the caller would see one remote video alone, the
// frames the meeting's connection receives for it go to the caller as they are, written into the
// link's video sender, instead of Chromium decoding them, the compositor drawing them and the
// link's encoder encoding them again ([browser] forward_encoded_meeting_video; docs/browser.md,
// "The meeting's video, forwarded"). Injected before media_bridge.js in every frame; idle unless
// the bridge uses it.
//
// How (Chromium 156, measured): every video receiver of the meeting's connections gets an
// RTCRtpScriptTransform (one worker) that passes its frames to its decoder, or, for the one being
// forwarded, withholds them and writes them into the link's video sender through its
// createEncodedStreams() pair, transferred to that same worker (a sender's script transform drops
// frames that another connection received; this writable sends them, also on a connection made
// without encodedInsertableStreams). The frames never wait for this page's thread, where the
// meeting's own JavaScript runs (bench/meeting/README.md "The meeting's video written from the
// worker"); this thread decides when to switch and tells the worker. The link's encoder is made
// inactive meanwhile (setParameters, encodings[0].active = false): it encodes nothing, frames
// written into the sender still go out, and when it is made active again its first frame is a
// keyframe. The frame keeps the payload type it was received under (Chromium refuses to change
// it), so the meeting's number for the codec must be the link's.
//
// Switches start the caller on a keyframe: toward forwarding, the compositor's frames go on until
// the meeting receiver delivers a keyframe (asked for with sendKeyFrameRequest); back to the
// compositor, the forwarded frames stop, the receiver decodes again from a keyframe it asks for,
// and the link's encoder is made active (its first frame a keyframe) once the video has a new
// picture to draw: the caller's picture stands still meanwhile rather than showing a stale one.
// The caller's keyframe requests (RTCP PLI/FIR from the gateway, counted in the link sender's
// stats) become keyframe requests on the forwarded receiver.
(() => {
  'use strict';
  if (window.__smgwMeetingForwarder) return;
  if (typeof RTCRtpScriptTransform !== 'function' || typeof Worker !== 'function' ||
      !window.RTCRtpSender || !('createEncodedStreams' in RTCRtpSender.prototype)) {
    window.__smgwMeetingForwarder = Object.freeze({available: false});
    return;
  }

  const WORKER = `'use strict';
const receivers = new Map();
// The link's video sender: its own frames (the compositor's, encoded) pass until a forwarded
// keyframe switches the caller's decoder over; then only forwarded frames, until the page
// resumes the encoder (its first frame a keyframe, which the caller's decoder waits for).
let link = null;
function linkPipe(readable, writable) {
  link = {writer: writable.getWriter(), own: true, waitOwnKey: false, target: 0, forwarded: 0,
          writeErrors: 0, ownDropped: 0};
  const l = link;
  const reader = readable.getReader();
  (async () => {
    for (;;) {
      const {value, done} = await reader.read();
      if (done) return;
      if (!l.own) {
        l.ownDropped++;
        continue;
      }
      if (l.waitOwnKey) {
        if (value.type !== 'key') {
          l.ownDropped++;
          continue;
        }
        l.waitOwnKey = false;
      }
      await l.writer.write(value);
    }
  })().catch((e) => postMessage({link: true, error: String(e)}));
}
function forward(id, frame, key) {
  if (!link || link.target !== id) return;
  if (link.own) {
    // The caller's decoder switches on this keyframe: from now on only forwarded frames.
    if (!key) return;
    link.own = false;
    postMessage({id, switched: true});
  }
  link.forwarded++;
  link.writer.write(frame).catch(() => { link.writeErrors++; });
}
function ask(r) {
  const now = Date.now();
  // Decoders and SFUs ask on every broken frame; one request per 300 ms is enough.
  if (now - r.lastRequest < 300) return;
  r.lastRequest = now;
  r.requests++;
  r.transformer.sendKeyFrameRequest().catch(() => {});
}
onrtctransform = (ev) => {
  const t = ev.transformer;
  const id = t.options.id;
  const r = {transformer: t, mode: 'decode', waitKey: false, lastRequest: 0, frames: 0,
             requests: 0, codec: '', pt: -1, width: 0, height: 0};
  receivers.set(id, r);
  const reader = t.readable.getReader();
  const writer = t.writable.getWriter();
  (async () => {
    for (;;) {
      const {value, done} = await reader.read();
      if (done) { receivers.delete(id); return; }
      const key = value.type === 'key';
      if (key || !r.codec) {
        const m = value.getMetadata();
        const width = key && m.width ? m.width : r.width;
        const height = key && m.height ? m.height : r.height;
        if (m.mimeType !== r.codec || m.payloadType !== r.pt || width !== r.width ||
            height !== r.height) {
          r.codec = m.mimeType || '';
          r.pt = m.payloadType;
          r.width = width;
          r.height = height;
          postMessage({id, codec: r.codec, payloadType: r.pt, width, height});
        }
      }
      if (r.mode === 'forward') {
        if (r.waitKey && key) r.waitKey = false;
        if (r.waitKey) { ask(r); continue; }
        r.frames++;
        forward(id, value, key);
      } else {
        // Back from forwarding, the decoder's frame buffer holds frames from before: delta
        // frames now reference pictures it never had, and it decoded nothing until the next
        // keyframe after those (seconds). It starts at the keyframe asked for instead.
        if (r.waitKey && key) r.waitKey = false;
        if (r.waitKey) { ask(r); continue; }
        await writer.write(value);
      }
    }
  })().catch((e) => postMessage({id, error: String(e)}));
};
onmessage = (e) => {
  const m = e.data;
  if (m.link) {
    linkPipe(m.link.readable, m.link.writable);
    return;
  }
  if (m.linkResume) {
    if (link) {
      link.target = 0;
      link.waitOwnKey = true;
      link.own = true;
    }
    return;
  }
  if (m.linkStats) {
    const l = link || {forwarded: 0, writeErrors: 0, ownDropped: 0};
    postMessage({linkStats: {forwarded: l.forwarded, writeErrors: l.writeErrors,
                             ownDropped: l.ownDropped}});
    return;
  }
  // What goes into the link follows the page's choice of receiver at once; a mode message for
  // another receiver than the one forwarded leaves the link alone.
  if (m.mode === 'forward' && link) link.target = m.id;
  if (m.mode === 'decode' && link && link.target === m.id) link.target = 0;
  const r = receivers.get(m.id);
  if (!r) return;
  if (m.mode && m.mode !== r.mode) {
    // Either way the next frame that counts is a keyframe: ask the meeting for one now.
    r.mode = m.mode;
    r.waitKey = true;
    r.lastRequest = 0;
    ask(r);
  }
  if (m.keyframe) ask(r);
  if (m.stats) postMessage({id, stats: {frames: r.frames, requests: r.requests}});
};`;

  const START_WAIT_MS = 3000;  // for the meeting's keyframe when forwarding starts
  const STOP_WAIT_MS = 1500;   // for the video's first decoded picture when it stops
  const RETRY_MS = 10000;      // after a start that got no keyframe

  let worker = null;
  let workerError = '';
  let nextId = 1;
  // track -> {id, receiver, track, codec, payloadType, width, height}. By track, not id: each
  // Janus 1.1 subscription names its video janus1, and a feed that left ended the entry of the
  // one shown (the meeting's video was then composited, "not from a meeting connection").
  const entries = new Map();
  const byId = new Map();     // worker id -> entry
  let link = null;            // {sender, error}; its encoded streams are the worker's
  let host = null;            // set by the bridge when the compositor feeds the link: see start()
  let report = () => {};
  let mode = '';              // reported: 'encoded' | 'composited'
  let reason = '';
  // 'composited' | 'starting' | 'encoded' | 'stopping'
  let state = 'composited';
  let current = null;         // the entry forwarded (starting, encoded, stopping)
  let since = 0;              // when `state` began
  let decodedAtStop = -1;
  let candidate = null;       // the entry that passed the checks last time (two in a row start)
  let retryAfter = 0;
  let lastKeyRequests = -1;
  let linkStats = {forwarded: 0, writeErrors: 0, ownDropped: 0};  // the worker's, last asked
  let statsWaiters = [];      // freshStats() callers, answered with the worker's next counters
  let switches = 0;
  let wantActive = true;      // the link encoder's wanted state (applied at every tick)
  let timer = null;
  let tick = 0;

  function ensureWorker() {
    if (worker || workerError) return worker;
    try {
      worker = new Worker(URL.createObjectURL(new Blob([WORKER], {type: 'text/javascript'})));
    } catch (e) {
      // A page whose Content-Security-Policy forbids blob: workers keeps the compositor.
      workerError = 'no worker: ' + e;
      return null;
    }
    worker.onmessage = (e) => {
      const m = e.data;
      if (m.linkStats) {
        linkStats = m.linkStats;
        const waiting = statsWaiters;
        statsWaiters = [];
        for (const done of waiting) done();
        return;
      }
      if (m.link) {
        if (link && m.error) link.error = 'link sender: ' + m.error;
        return;
      }
      const entry = byId.get(m.id);
      if (!entry) return;
      if (m.switched) {
        onSwitched(entry);
      } else if (m.codec !== undefined) {
        entry.codec = m.codec;
        entry.payloadType = m.payloadType;
        entry.width = m.width;
        entry.height = m.height;
      } else if (m.error) {
        entry.error = m.error;
      }
    };
    worker.onerror = (e) => {
      workerError = 'worker: ' + (e.message || 'error');
      const waiting = statsWaiters;  // no counters will come: stats() as they were
      statsWaiters = [];
      for (const done of waiting) done();
    };
    return worker;
  }

  // A meeting connection's video receiver, from its track event (a transform set later sees no
  // frame). A meeting that set its own transform (end-to-end encryption) keeps it.
  function attachReceiver(receiver, track) {
    if (!track || track.kind !== 'video' || receiver.transform || !ensureWorker()) return;
    const entry = {id: nextId++, receiver, track, codec: '', payloadType: -1, width: 0,
                   height: 0, error: ''};
    try {
      receiver.transform = new RTCRtpScriptTransform(worker, {id: entry.id});
    } catch (e) {
      return;
    }
    entries.set(track, entry);
    byId.set(entry.id, entry);
    track.addEventListener('ended', () => {
      entries.delete(track);
      byId.delete(entry.id);
    });
  }

  function adopt(conn, config) {
    // A meeting that asked for encoded streams itself (its own end-to-end encryption) pipes its
    // receivers itself: that connection is left alone.
    if (config && config.encodedInsertableStreams !== undefined) return;
    // Before the meeting's own listeners, which may show the track at once.
    conn.addEventListener('track', (ev) => attachReceiver(ev.receiver, ev.track));
  }

  // The link's video sender, before it has a track: its own frames pass until forwarding.
  function attachLinkSender(sender) {
    if (!sender || link) return;
    let streams;
    try {
      streams = sender.createEncodedStreams();
    } catch (e) {
      link = {sender, error: 'link sender: ' + e};
      return;
    }
    if (!ensureWorker()) {
      // Piped, the sender's own frames still leave (check() then keeps the compositor).
      streams.readable.pipeTo(streams.writable).catch(() => {});
      link = {sender, error: workerError};
      return;
    }
    link = {sender, error: ''};
    worker.postMessage({link: {readable: streams.readable, writable: streams.writable}},
                       [streams.readable, streams.writable]);
  }

  // The worker switched the caller's decoder to the forwarded frames (at their keyframe).
  function onSwitched(entry) {
    if (state === 'starting' && entry === current) {
      setEncoderActive(false);
      if (host) host.pause(true);
      enter('encoded');
      switches++;
      announce();
      return;
    }
    // The keyframe came as this thread gave the start up (the worker had not read that yet):
    // the caller's decoder has a forwarded picture now, so back the full way, through an
    // inactive encoder whose next frame is a keyframe.
    if (state === 'composited' && !current) {
      current = entry;
      setEncoderActive(false);
      if (host) host.pause(true);
      enter('stopping');
      decodedAtStop = -1;
      switches++;
    }
  }

  function setEncoderActive(on) {
    wantActive = on;
    applyEncoderActive();
  }

  function applyEncoderActive() {
    if (!link) return;
    const p = link.sender.getParameters();
    if (!p.encodings || p.encodings.length === 0 || p.encodings[0].active === wantActive) return;
    p.encodings[0].active = wantActive;
    // Another setParameters in flight (the caller's limits) fails this one: retried at the tick.
    link.sender.setParameters(p).catch(() => {});
  }

  function enter(next) {
    state = next;
    since = performance.now();
  }

  function fmtp(line, key) {
    const m = new RegExp('(?:^|;)\\s*' + key + '=([^;]*)').exec(line || '');
    return m ? m[1].trim().toLowerCase() : '';
  }

  // Whether a caller that takes H.264 profile `caller` decodes a stream of profile `meeting`
  // (profile-level-id hex): the same profile_idc, or Constrained Baseline (constraint_set1,
  // which every profile's decoder takes).
  function h264ProfileFits(meeting, caller) {
    if (!meeting || !caller) return true;
    if (meeting.slice(0, 2) === caller.slice(0, 2)) return true;
    return meeting.slice(0, 2) === '42' && (parseInt(meeting.slice(2, 4), 16) & 0x40) !== 0;
  }

  // The one remote video the caller would see, or why the compositor must draw it.
  function check() {
    if (workerError) return {why: workerError};
    if (!link) return {why: 'no link sender yet', pending: true};
    if (link.error) return {why: link.error};
    if (!host || !host.active()) return {why: 'the compositor does not feed the caller yet',
                                         pending: true};
    const tiles = host.tiles();
    if (tiles.some((t) => t.share)) return {why: 'a share is shown'};
    if (tiles.length === 0) return {why: 'no remote video'};
    if (tiles.length > 1) return {why: tiles.length + ' remote videos are shown'};
    const entry = entries.get(tiles[0].track);
    if (!entry) return {why: 'the video does not come from a meeting connection'};
    if (entry.error) return {why: 'meeting receiver: ' + entry.error};
    if (!entry.codec) return {why: 'no frame from the meeting yet', pending: true};
    const p = link.sender.getParameters();
    if (p.encodings && p.encodings.length > 1) return {why: 'the link sends simulcast'};
    // The first codec is the caller's own (the page's encoder sends under it); the gateway may
    // list the same codec under the meeting's number too (a forwarded frame keeps its number).
    const first = p.codecs && p.codecs[0];
    if (!first) return {why: 'no codec negotiated on the link yet', pending: true};
    const mime = entry.codec.toLowerCase();
    if (first.mimeType.toLowerCase() !== mime)
      return {why: 'the meeting sends ' + entry.codec + ', the caller takes ' + first.mimeType};
    const h264 = /h264/i.test(mime);
    // The gateway re-payloads the link's H.264 for the caller (media/passthrough.cpp): in
    // packetization-mode=0 one NAL unit per packet, which the page's own encoder cuts its
    // slices for and another browser's encoder does not.
    if (h264 && fmtp(first.sdpFmtpLine, 'packetization-mode') !== '1')
      return {why: 'the caller takes H.264 packetization-mode=0'};
    const theirs = (entry.receiver.getParameters().codecs || [])
        .find((c) => c.payloadType === entry.payloadType);
    const meeting = fmtp(theirs && theirs.sdpFmtpLine, 'profile-level-id');
    const caller = fmtp(first.sdpFmtpLine, 'profile-level-id');
    if (h264 && !h264ProfileFits(meeting, caller))
      return {why: 'the meeting sends H.264 profile-level-id ' + meeting + ', the caller takes ' +
                   caller};
    const codec = p.codecs.find((c) => c.payloadType === entry.payloadType &&
                                       c.mimeType.toLowerCase() === mime);
    if (!codec || (h264 && fmtp(codec.sdpFmtpLine, 'packetization-mode') !== '1')) {
      // What the gateway needs to list the meeting's number on the link too (it offers the
      // link again, and this check passes once the page answered).
      const number = {payloadType: entry.payloadType, codec: entry.codec,
                      fmtp: (theirs && theirs.sdpFmtpLine) || ''};
      return {why: 'the meeting numbers ' + entry.codec + ' ' + entry.payloadType +
                   ', the link ' + first.payloadType, number};
    }
    const width = entry.width || tiles[0].video.videoWidth;
    const height = entry.height || tiles[0].video.videoHeight;
    const limits = host.limits();
    if (limits && (width > limits.width || height > limits.height))
      return {why: 'the meeting video is ' + width + 'x' + height + ', the caller takes at most ' +
                   limits.width + 'x' + limits.height};
    return {entry, width, height};
  }

  async function decodedFrames(entry) {
    let decoded = 0;
    (await entry.receiver.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp') decoded += s.framesDecoded || 0;
    });
    return decoded;
  }

  function stop(why) {
    if (state === 'composited' || state === 'stopping') return;
    const entry = current;
    worker.postMessage({id: entry.id, mode: 'decode'});
    if (state === 'starting') {
      // Nothing was forwarded yet: the compositor's frames never stopped.
      current = null;
      enter('composited');
      return;
    }
    // The caller's picture stands still until the compositor has the video's next picture.
    enter('stopping');
    decodedAtStop = -1;
    decodedFrames(entry).then((n) => { if (current === entry) decodedAtStop = n; }, () => {});
    reason = why;
  }

  async function finishStop() {
    const entry = current;
    const shown = host && host.tiles().some((t) => t.track === entry.track);
    let ready = !shown || performance.now() - since > STOP_WAIT_MS;
    if (!ready && decodedAtStop >= 0) ready = (await decodedFrames(entry)) > decodedAtStop;
    if (!ready || current !== entry || state !== 'stopping') return;
    current = null;
    if (host) host.pause(false);
    worker.postMessage({linkResume: true});
    setEncoderActive(true);
    enter('composited');
    switches++;
    announce();
  }

  function evaluate() {
    const c = check();
    if (state === 'composited') {
      reason = c.why || '';
      meetingNumber = c.number || null;
      if (!c.entry) {
        candidate = null;
        announce(c.pending);
        return;
      }
      // Twice in a row: a second video that is just appearing does not start a switch.
      if (candidate !== c.entry || performance.now() < retryAfter) {
        candidate = c.entry;
        return;
      }
      current = c.entry;
      enter('starting');
      worker.postMessage({id: current.id, mode: 'forward'});
      return;
    }
    if (state === 'starting') {
      if (c.entry !== current) {
        stop(c.why || 'another video');
        reason = c.why || '';
        announce(c.pending);
      } else if (performance.now() - since > START_WAIT_MS) {
        stop('no keyframe from the meeting within ' + START_WAIT_MS + ' ms');
        reason = 'no keyframe from the meeting within ' + START_WAIT_MS + ' ms';
        retryAfter = performance.now() + RETRY_MS;
        announce();
      }
      return;
    }
    if (state === 'encoded') {
      if (c.entry !== current) stop(c.why || 'another video');
      return;
    }
    if (state === 'stopping') finishStop().catch(() => {});
  }

  // The caller's keyframe requests reach the link sender's (inactive) encoder: counted in its
  // stats, relayed to the meeting's receiver.
  async function relayKeyframeRequests() {
    if (state !== 'encoded' || !link) return;
    const entry = current;
    let count = 0;
    (await link.sender.getStats()).forEach((s) => {
      if (s.type === 'outbound-rtp') count += (s.pliCount || 0) + (s.firCount || 0);
    });
    if (entry !== current) return;
    if (lastKeyRequests >= 0 && count > lastKeyRequests)
      worker.postMessage({id: entry.id, keyframe: true});
    lastKeyRequests = count;
  }

  let announced = '';
  let meetingNumber = null;   // the meeting's payload type the link lacks (check())
  function announce(pending) {
    const nextMode = state === 'encoded' ? 'encoded' : 'composited';
    const e = current;
    const key = nextMode + '|' + (nextMode === 'encoded' ? '' : reason);
    if (key === announced) return;
    announced = key;
    mode = nextMode;
    report({type: 'meeting_forward', mode, reason: mode === 'encoded' ? '' : reason,
            codec: e ? e.codec : '', width: e ? e.width : 0, height: e ? e.height : 0,
            pending: !!pending,
            ...(mode !== 'encoded' && meetingNumber ? {meetingPayloadType: meetingNumber.payloadType,
                                                      meetingCodec: meetingNumber.codec,
                                                      meetingFmtp: meetingNumber.fmtp} : {})});
  }

  // The bridge calls this once the compositor feeds the link: host = {tiles() -> [{video,
  // track, share}] as the compositor would draw them, pause(on), limits() -> the caller's
  // {width, height} or null, active() -> whether the compositor's track is the link's}.
  function start(h) {
    host = h;
    if (timer) return;
    timer = setInterval(() => {
      tick++;
      applyEncoderActive();  // a setParameters that lost a race is applied again
      relayKeyframeRequests().catch(() => {});
      if (tick % 2 === 0 || state === 'stopping') evaluate();
      if (tick % 20 === 0 && mode === 'encoded')
        freshStats().then((st) => report({type: 'meeting_forward_stats', ...st}));
    }, 250);
  }

  function stats() {
    return {mode: mode || 'composited', reason: mode === 'encoded' ? '' : reason, state,
            codec: current ? current.codec : '', frames: linkStats.forwarded,
            writeErrors: linkStats.writeErrors, ownFramesDropped: linkStats.ownDropped, switches};
  }

  // stats() with the worker's counters as they are now (stats() gives the last ones asked for).
  function freshStats() {
    if (!worker || !link || link.error) return Promise.resolve(stats());
    return new Promise((done) => {
      statsWaiters.push(done);
      worker.postMessage({linkStats: true});
    }).then(stats);
  }

  window.__smgwMeetingForwarder = Object.freeze({
    available: true,
    adopt,
    attachLinkSender,
    start,
    stats,
    freshStats,
    onReport(fn) { report = fn; },
  });
})();
