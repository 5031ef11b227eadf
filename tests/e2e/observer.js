// Injected into the e2e observer browser before the demo page loads: its "camera" is an animated
// canvas and its "microphone" a 660 Hz oscillator; window.__obs measures every remote stream the
// page plays (frames, size, loudest frequency and its level); __obsToneDb(hz) is the loudest
// level at one frequency over every remote stream (to see one participant fall silent);
// __obsFeeds() lists the remote videos playing now with whose they are (the adapter's
// sipmediagwDescribeVideo: name, key (the service's id of the feed), share), their mean colour
// and the longest wait between two of their frames since __obsResetGaps() (gapMs).
(() => {
  const ac = new AudioContext();
  const analysers = [];
  window.__smgwConsole = [];
  window.addEventListener('error', (e) => __smgwConsole.push('uncaught: ' + e.message));
  for (const level of ['error', 'warn', 'log']) {
    const orig = console[level].bind(console);
    console[level] = (...a) => { __smgwConsole.push(a.map(String).join(' ').slice(0, 300)); orig(...a); if (__smgwConsole.length > 40) __smgwConsole.shift(); };
  }
  window.__obs = {frames: 0, width: 0, height: 0, peakHz: 0, levelDb: -200};
  // Every connection the page makes, for __obsVideoStats(): rVFC counts what was painted, the
  // receiver's stats say whether frames arrived, were decoded, and what the decoder asked for.
  const pcs = [];
  const NativePC = window.RTCPeerConnection;
  window.RTCPeerConnection = function (...a) { const pc = new NativePC(...a); pcs.push(pc); return pc; };
  window.RTCPeerConnection.prototype = NativePC.prototype;
  Object.setPrototypeOf(window.RTCPeerConnection, NativePC);
  // The video inbound-rtp stats summed over the page's connections.
  window.__obsVideoStats = async () => {
    const sum = {framesReceived: 0, framesDecoded: 0, framesDropped: 0, keyFramesDecoded: 0,
                 pliCount: 0, firCount: 0, nackCount: 0, packetsReceived: 0, packetsLost: 0,
                 bytesReceived: 0, freezeCount: 0};
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s) => {
        if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
        for (const k of Object.keys(sum)) sum[k] += s[k] || 0;
      });
    }
    return sum;
  };
  navigator.mediaDevices.getUserMedia = async () => {
    const c = document.createElement('canvas');
    c.width = 640; c.height = 360;
    const g = c.getContext('2d');
    let n = 0;
    // A changing hue with a white square moving across: frames differ, and each frame has
    // detail (a caller-side snapshot of it is not uniform whatever the meeting's layout).
    setInterval(() => { g.fillStyle = 'hsl(' + (n * 7 % 360) + ',80%,50%)';
                        g.fillRect(0, 0, 640, 360);
                        g.fillStyle = '#fff';
                        g.fillRect((n++ * 8) % 520, 120, 120, 120); }, 33);
    const osc = ac.createOscillator();
    osc.frequency.value = 660;
    const dst = ac.createMediaStreamDestination();
    osc.connect(dst);
    osc.start();
    return new MediaStream([c.captureStream(30).getVideoTracks()[0], dst.stream.getAudioTracks()[0]]);
  };
  setInterval(() => {
    ac.resume();
    for (const e of document.querySelectorAll('video, audio')) {
      if (!e.srcObject || e.closest('#videolocal')) continue;
      if (e.tagName === 'VIDEO' && e.srcObject.getVideoTracks().length && !e.__counted) {
        e.__counted = true;
        // The longest wait between two frames of this element since __obsResetGaps().
        const cb = (now) => { __obs.frames++; __obs.width = e.videoWidth; __obs.height = e.videoHeight;
                              if (e.__lastFrame) e.__maxGap = Math.max(e.__maxGap || 0, now - e.__lastFrame);
                              e.__lastFrame = now;
                              e.requestVideoFrameCallback(cb); };
        e.requestVideoFrameCallback(cb);
      }
      if (e.srcObject.getAudioTracks().length && !e.__analysed) {
        e.__analysed = true;
        const an = ac.createAnalyser();
        an.fftSize = 8192;
        ac.createMediaStreamSource(new MediaStream(e.srcObject.getAudioTracks())).connect(an);
        analysers.push(an);
      }
    }
    let bestDb = -200, bestHz = 0;
    for (const an of analysers) {
      const d = new Float32Array(an.frequencyBinCount);
      an.getFloatFrequencyData(d);
      for (let i = 2; i < d.length; i++)
        if (d[i] > bestDb) { bestDb = d[i]; bestHz = i * ac.sampleRate / an.fftSize; }
    }
    __obs.peakHz = bestHz; __obs.levelDb = bestDb;
  }, 200);
  const probe = document.createElement('canvas');
  probe.width = 16; probe.height = 16;
  window.__obsFeeds = () => {
    const g = probe.getContext('2d', {willReadFrequently: true});
    const out = [];
    for (const v of document.querySelectorAll('video')) {
      if (!v.srcObject || v.closest('#videolocal') || v.videoWidth === 0 || v.paused) continue;
      const d = window.sipmediagwDescribeVideo ? window.sipmediagwDescribeVideo(v) : null;
      g.drawImage(v, 0, 0, 16, 16);
      const px = g.getImageData(0, 0, 16, 16).data;
      let r = 0, gr = 0, b = 0;
      for (let i = 0; i < px.length; i += 4) { r += px[i]; gr += px[i + 1]; b += px[i + 2]; }
      const n = px.length / 4;
      out.push({name: d ? d.name : '', key: d ? String(d.key || '') : '', share: !!(d && d.share),
                gapMs: Math.round(v.__maxGap || 0), r: Math.round(r / n),
                g: Math.round(gr / n), b: Math.round(b / n)});
    }
    return out;
  };
  window.__obsResetGaps = () => {
    for (const v of document.querySelectorAll('video')) v.__maxGap = 0;
    return true;
  };
  window.__obsToneDb = (hz) => {
    let best = -200;
    for (const an of analysers) {
      const d = new Float32Array(an.frequencyBinCount);
      an.getFloatFrequencyData(d);
      const i = Math.round(hz * an.fftSize / ac.sampleRate);
      // Neighbour bins too: the tone sits between two bins.
      for (let k = i - 1; k <= i + 1; k++) if (d[k] > best) best = d[k];
    }
    return Math.max(best, -200);  // silence is -Infinity, which JSON cannot carry
  };
})();
