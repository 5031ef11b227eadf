// Injected into the benchmark's browsers (after tests/e2e/observer.js) for glass-to-glass:
// window.__g2gConfig = {publish, phaseMs, periodMs, flashMs, beepMs, beepStepMs} comes first.
// - publish: the page's "camera" is a dark 1280x720 canvas that turns white for flashMs and its
//   "microphone" a 1 kHz beep of beepMs + beepStepMs * (cycle mod 4), both starting at wall-clock times t with
//   t mod periodMs == phaseMs; __g2g.sent holds when each was drawn / scheduled.
// - always: every remote video frame is timestamped when presented (requestVideoFrameCallback)
//   with its mean level (drawn into a small canvas), every remote audio track goes through an
//   AudioWorklet that reports beep onsets; __g2g.flashes / __g2g.beeps hold the onsets.
// Times are wall-clock ms (performance.timeOrigin + performance.now(), the host's
// CLOCK_REALTIME as Date.now() is; __g2gSkew() reports the difference).
(() => {
  const cfg = window.__g2gConfig || {};
  const wallNow = () => performance.timeOrigin + performance.now();
  const g2g = window.__g2g = {sent: [], flashes: [], beeps: [], frames: 0, errors: []};
  const inWindow = (t, len) => {
    const p = cfg.periodMs;
    return ((((t - cfg.phaseMs) % p) + p) % p) < len;
  };
  const ac = new AudioContext();
  // Every connection the page makes, for __g2gRtpStats(): where a frame waits in this browser
  // (jitter buffer, decode) and in its sender (pacer queue), per RTP stream.
  const pcs = [];
  const NativePC = window.RTCPeerConnection;
  window.RTCPeerConnection = function (...a) {
    const pc = new NativePC(...a);
    pcs.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = NativePC.prototype;
  Object.setPrototypeOf(window.RTCPeerConnection, NativePC);
  const IN_KEYS = ['packetsReceived', 'packetsLost', 'framesReceived', 'framesDecoded',
                   'framesDropped', 'keyFramesDecoded', 'jitterBufferDelay',
                   'jitterBufferTargetDelay', 'jitterBufferMinimumDelay',
                   'jitterBufferEmittedCount', 'totalProcessingDelay', 'totalDecodeTime',
                   'totalAssemblyTime', 'framesAssembledFromMultiplePackets', 'freezeCount',
                   'totalFreezesDuration', 'totalInterFrameDelay', 'nackCount', 'pliCount',
                   'bytesReceived', 'frameWidth', 'frameHeight'];
  const OUT_KEYS = ['packetsSent', 'bytesSent', 'framesSent', 'framesEncoded', 'keyFramesEncoded',
                    'totalPacketSendDelay', 'totalEncodeTime', 'targetBitrate',
                    'qualityLimitationReason', 'retransmittedPacketsSent', 'nackCount',
                    'pliCount'];
  // Cumulative audio and video RTP figures of every open connection, keyed by stream (the bench diffs two).
  window.__g2gRtpStats = async () => {
    const streams = [];
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s) => {
        if (s.type !== 'inbound-rtp' && s.type !== 'outbound-rtp') return;
        const inbound = s.type === 'inbound-rtp';
        const r = {kind: s.kind, dir: inbound ? 'in' : 'out', ssrc: s.ssrc, mid: s.mid};
        for (const k of inbound ? IN_KEYS : OUT_KEYS) if (s[k] !== undefined) r[k] = s[k];
        streams.push(r);
      });
    }
    return {at: Date.now(), streams};
  };

  if (cfg.publish) {
    navigator.mediaDevices.getUserMedia = async () => {
      const c = document.createElement('canvas');
      c.width = 1280; c.height = 720;
      const g = c.getContext('2d');
      const stream = c.captureStream(0);
      const track = stream.getVideoTracks()[0];
      let bright = false;
      // captureStream(0) takes a frame only on requestFrame(): the frame leaves when drawn.
      setInterval(() => {
        const t = wallNow();
        const on = inWindow(t, cfg.flashMs);
        g.fillStyle = on ? '#ffffff' : '#000000';
        g.fillRect(0, 0, 1280, 720);
        track.requestFrame();
        if (on && !bright) g2g.sent.push({cycle: Math.floor((t - cfg.phaseMs) / cfg.periodMs),
                                          flash: t});
        bright = on;
      }, 1000 / 30);
      const osc = ac.createOscillator();
      osc.frequency.value = 1000;
      const gain = ac.createGain();
      gain.gain.value = 0;
      const dst = ac.createMediaStreamDestination();
      osc.connect(gain).connect(dst);
      osc.start();
      // Beeps are scheduled ahead on the audio clock; the onset's wall time maps through the
      // context's current time (what the destination captures now).
      let scheduled = 0;
      setInterval(() => {
        ac.resume();
        const now = wallNow();
        const next = Math.ceil((now - cfg.phaseMs) / cfg.periodMs) * cfg.periodMs + cfg.phaseMs;
        if (next <= scheduled || next - now > 400 || next - now < 50) return;
        const at = ac.currentTime + (next - now) / 1000;
        // The beep's length tells cycles apart (cycle mod 4), so a latency over one period
        // still pairs with its own send.
        const cycle = Math.round((next - cfg.phaseMs) / cfg.periodMs);
        const len = cfg.beepMs + cfg.beepStepMs * (cycle % 4);
        gain.gain.setValueAtTime(0.5, at);
        gain.gain.setValueAtTime(0, at + len / 1000);
        scheduled = next;
        g2g.sent.push({cycle, beep: next, len});
      }, 50);
      return new MediaStream([track, dst.stream.getAudioTracks()[0]]);
    };
  }

  // Receiving side: video.
  const probe = document.createElement('canvas');
  probe.width = 32; probe.height = 18;
  const pg = probe.getContext('2d', {willReadFrequently: true});
  const watchVideo = (e) => {
    if (!e.srcObject || !e.srcObject.getVideoTracks().length) return;
    if (e.__g2g && e.__g2g.stream === e.srcObject) return;
    if (e.closest('#videolocal') || /^myvideo/.test(e.id)) return;
    const watching = e.__g2g;
    e.__g2g = {bright: false, stream: e.srcObject};
    if (watching) return;  // its callback chain runs already
    const cb = (_now, meta) => {
      try {
        pg.drawImage(e, 0, 0, 32, 18);
        const d = pg.getImageData(0, 0, 32, 18).data;
        let sum = 0;
        for (let i = 0; i < d.length; i += 4) sum += d[i] + d[i + 1] + d[i + 2];
        const level = sum / (d.length / 4) / 3;
        g2g.frames++;
        const on = level > 128;
        if (on && !e.__g2g.bright)
          g2g.flashes.push({at: performance.timeOrigin + meta.presentationTime,
                            received: meta.receiveTime ? performance.timeOrigin + meta.receiveTime : 0,
                            element: e.id, level});
        e.__g2g.bright = on;
      } catch (err) {
        if (g2g.errors.length < 5) g2g.errors.push(String(err));
      }
      e.requestVideoFrameCallback(cb);
    };
    e.requestVideoFrameCallback(cb);
  };

  // Receiving side: audio, through one worklet that every remote track feeds.
  let worklet = null;
  const pendingTracks = [];
  // A beep: its first sample above 0.1 after 300 ms below, and its last one before 20 ms below
  // (reported then, with its length).
  const code = `class BeepOnset extends AudioWorkletProcessor {
    constructor() { super(); this.quiet = 1e9; this.onset = -1; this.last = 0; }
    process(inputs) {
      const ch = inputs[0] && inputs[0][0];
      if (!ch) return true;
      for (let i = 0; i < ch.length; i++) {
        const t = currentTime + i / sampleRate;
        if (Math.abs(ch[i]) > 0.1) {
          if (this.quiet > 0.3 * sampleRate) this.onset = t;
          this.quiet = 0;
          this.last = t;
        } else {
          this.quiet++;
          if (this.onset >= 0 && this.quiet > 0.02 * sampleRate) {
            this.port.postMessage({onset: this.onset, len: (this.last - this.onset) * 1000});
            this.onset = -1;
          }
        }
      }
      return true;
    }
  }
  registerProcessor('beep-onset', BeepOnset);`;
  const url = URL.createObjectURL(new Blob([code], {type: 'application/javascript'}));
  ac.audioWorklet.addModule(url).then(() => {
    worklet = new AudioWorkletNode(ac, 'beep-onset');
    worklet.port.onmessage = (m) => {
      // Context time → wall time at the render clock (when the page has the sample, as
      // presentationTime is when it has the frame); the output device's latency comes on top
      // (__g2g.outputLatencyMs).
      const at = wallNow() - (ac.currentTime - m.data.onset) * 1000;
      g2g.beeps.push({at, len: m.data.len});
      g2g.outputLatencyMs = (ac.baseLatency + (ac.outputLatency || 0)) * 1000;
    };
    // Keeps the worklet pulled without making a sound.
    const mute = ac.createGain();
    mute.gain.value = 0;
    worklet.connect(mute).connect(ac.destination);
    for (const t of pendingTracks.splice(0)) ac.createMediaStreamSource(new MediaStream([t])).connect(worklet);
  }).catch((err) => g2g.errors.push('worklet: ' + err));
  // By stream object, not id: Janus reuses track and element ids for the next feed in a slot
  // (a track seen twice is only summed with itself, which moves no onset).
  const seenStreams = new WeakSet();
  const watchAudio = (e) => {
    if (!e.srcObject || e.closest('#videolocal') || seenStreams.has(e.srcObject)) return;
    if (!e.srcObject.getAudioTracks().length) return;
    seenStreams.add(e.srcObject);
    for (const t of e.srcObject.getAudioTracks()) {
      if (worklet) ac.createMediaStreamSource(new MediaStream([t])).connect(worklet);
      else pendingTracks.push(t);
    }
  };
  setInterval(() => {
    ac.resume();
    for (const e of document.querySelectorAll('video, audio')) {
      if (e.tagName === 'VIDEO') watchVideo(e);
      watchAudio(e);
    }
  }, 200);

  // Drops what was seen so far (a measurement window starts).
  window.__g2gReset = () => { g2g.flashes = []; g2g.beeps = []; g2g.sent = []; g2g.frames = 0; };
  window.__g2gSkew = () => wallNow() - Date.now();
})();
