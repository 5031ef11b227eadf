// sipmediagw compositor: the meeting's video for the caller drawn from the page's remote <video>
// elements onto a canvas, instead of capturing the whole tab ([browser] meeting_video =
// "compositor"). It skips the page's own layout, toolbars and self-view, and costs one canvas
// draw per tile per frame. Injected before media_bridge.js in every frame; idle until started.
//
// A room looks at this all meeting long, so it is laid out for a room: "speaker" (the active
// speaker large, the others as a strip of thumbnails below) or "grid" (equal tiles), each tile
// with the participant's name; a share seen in the meeting is the main picture (first, large)
// while it lasts. With one remote video both layouts are that video alone, and the canvas is no
// larger than it: upscaling would only give the page's encoder more pixels to encode and the
// caller nothing more to see. The canvas is at most the size asked for (the caller's limits).
//
// What a video is (whose, its name, a share, its audio) comes from describe(video), which the
// media bridge takes from the service adapter (sipmediagwAdapter.describeVideo) where one runs
// in this frame; without it a video is a nameless participant whose own stream carries its audio.
(() => {
  'use strict';
  if (window.__smgwCompositor) return;

  const LAYOUTS = ['speaker', 'grid'];
  // Who speaks: a level (dBFS, smoothed) above SPEAKING_DB counts; another participant takes the
  // main picture once it has been the loudest for SWITCH_MS and SWITCH_MARGIN_DB louder than the
  // one shown. Short remarks, coughs and cross-talk then leave the picture alone (a room would
  // otherwise see it flap).
  const SPEAKING_DB = -50;
  const SWITCH_MS = 1500;
  const SWITCH_MARGIN_DB = 6;
  const STRIP_SLOTS = 5;  // thumbnails in the speaker view's strip; more are not shown

  function gridCells(count, x0, y0, width, height) {
    const cols = Math.ceil(Math.sqrt(count));
    const rows = Math.ceil(count / cols);
    const cells = [];
    for (let i = 0; i < count; i++) {
      cells.push({x: x0 + (i % cols) * width / cols, y: y0 + Math.floor(i / cols) * height / rows,
                  w: width / cols, h: height / rows});
    }
    return cells;
  }

  // Cells for `count` tiles, the first being the main one (speaker or share): a grid as close to
  // square as the count allows, or the main tile over three quarters of the height with the
  // others in a strip of equal thumbnails below it, centred.
  function layout(count, width, height, name) {
    if (name !== 'speaker' || count < 2) return gridCells(count, 0, 0, width, height);
    const stripH = height / 4;
    const cells = [{x: 0, y: 0, w: width, h: height - stripH}];
    const shown = Math.min(count - 1, STRIP_SLOTS);
    const thumbW = width / Math.max(shown, 4);
    const left = (width - thumbW * shown) / 2;
    for (let i = 0; i < shown; i++)
      cells.push({x: left + i * thumbW, y: height - stripH, w: thumbW, h: stripH});
    return cells;
  }

  function fit(video, cell) {
    const scale = Math.min(cell.w / video.videoWidth, cell.h / video.videoHeight);
    const w = video.videoWidth * scale;
    const h = video.videoHeight * scale;
    return {x: cell.x + (cell.w - w) / 2, y: cell.y + (cell.h - h) / 2, w, h};
  }

  // Remote participants' videos that are playing: a stream, a size, none of the caller's own
  // tracks (the self-view would show the caller to themselves), and each track once (meetings
  // show one participant in several elements: stage and thumbnail).
  function remoteVideos(isOwn) {
    const seen = new Set();
    return Array.from(document.querySelectorAll('video')).filter((v) => {
      if (!v.srcObject || v.readyState < 2 || v.videoWidth === 0 || v.videoHeight === 0) return false;
      const tracks = v.srcObject.getVideoTracks ? v.srcObject.getVideoTracks() : [];
      if (tracks.length === 0 || tracks.some((t) => isOwn(t))) return false;
      // By track, not id: each Janus 1.1 subscription names its video janus1, so two
      // participants would share an id.
      if (seen.has(tracks[0])) return false;
      seen.add(tracks[0]);
      return true;
    });
  }

  // The canvas size for these videos: the largest allowed, or one video's own size fitted in it.
  function canvasSize(videos, maxWidth, maxHeight) {
    if (videos.length !== 1) return {width: maxWidth, height: maxHeight};
    const v = videos[0];
    const scale = Math.min(1, maxWidth / v.videoWidth, maxHeight / v.videoHeight);
    return {width: Math.max(2, Math.floor(v.videoWidth * scale / 2) * 2),
            height: Math.max(2, Math.floor(v.videoHeight * scale / 2) * 2)};
  }

  // The active speaker from levels over time, with hysteresis. update() takes {key: dB} and the
  // time in ms (explicit, so the rule can be checked without waiting) and returns the speaker's
  // key, or null before anyone spoke.
  function speakerPicker() {
    let current = null;
    let challenger = null;
    let since = 0;
    return {
      update(levels, now) {
        if (current !== null && !(current in levels)) current = null;  // left the meeting
        let loudest = null;
        for (const [key, db] of Object.entries(levels))
          if (db > SPEAKING_DB && (loudest === null || db > levels[loudest])) loudest = key;
        if (loudest === null || loudest === current) {
          challenger = null;
          return current;
        }
        if (current === null) {
          current = loudest;
          challenger = null;
          return current;
        }
        if (levels[loudest] < levels[current] + SWITCH_MARGIN_DB) {
          challenger = null;
          return current;
        }
        if (challenger !== loudest) {
          challenger = loudest;
          since = now;
        } else if (now - since >= SWITCH_MS) {
          current = loudest;
          challenger = null;
        }
        return current;
      },
      current: () => current,
    };
  }

  // Levels of remote audio tracks through one AnalyserNode each, made on first use. The meeting's
  // tracks are already played out by the media bridge (Chrome feeds WebAudio only then).
  function audioMeter() {
    let context = null;
    const meters = new Map();  // track → {analyser, data, db} (ids may repeat across connections)
    return {
      level(track) {
        if (!track || track.readyState !== 'live') return -200;
        let m = meters.get(track);
        if (!m) {
          if (!context) context = new AudioContext();
          const analyser = context.createAnalyser();
          analyser.fftSize = 1024;
          context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
          m = {analyser, data: new Float32Array(analyser.fftSize), db: -200};
          meters.set(track, m);
          track.addEventListener('ended', () => meters.delete(track));
        }
        if (context.state === 'suspended') context.resume().catch(() => {});
        m.analyser.getFloatTimeDomainData(m.data);
        let sum = 0;
        for (const s of m.data) sum += s * s;
        const db = 10 * Math.log10(sum / m.data.length + 1e-20);
        // Quick to rise, slow to fall: pauses between words are not silence.
        m.db = db > m.db ? db : Math.max(db, m.db - 3);
        return m.db;
      },
    };
  }

  // A tile's label: the name on a dark band along the bottom, in a size read at the caller's
  // resolution (the canvas is the caller's size), cut to the tile's width.
  function drawName(g, name, r, fontPx) {
    if (!name) return;
    const size = Math.max(10, Math.min(fontPx, Math.floor(r.h / 5)));
    g.font = `${size}px sans-serif`;
    g.textAlign = 'left';
    g.textBaseline = 'middle';
    const pad = Math.ceil(size / 3);
    let text = name;
    while (text.length > 1 && g.measureText(text).width > r.w - 2 * pad) text = text.slice(0, -1);
    if (text !== name) text = text.slice(0, -1) + '…';
    const bandH = size + 2 * pad;
    g.fillStyle = 'rgba(0,0,0,0.6)';
    g.fillRect(r.x, r.y + r.h - bandH, Math.min(r.w, g.measureText(text).width + 2 * pad), bandH);
    g.fillStyle = '#fff';
    g.fillText(text, r.x + pad, r.y + r.h - bandH / 2);
  }

  function start({width: maxWidth, height: maxHeight, fps, isOwn, layout: initial, describe}) {
    let current = LAYOUTS.includes(initial) ? initial : 'speaker';
    const canvas = document.createElement('canvas');
    canvas.width = maxWidth;
    canvas.height = maxHeight;
    let g = canvas.getContext('2d', {alpha: false});
    let width = maxWidth;
    let height = maxHeight;
    let shown = [];  // what the last frame drew: [{key, name, share, x, y, w, h}]
    const order = new Map();  // key → first seen: a stable order for the non-main tiles
    let nextOrder = 0;
    const picker = speakerPicker();
    const meter = audioMeter();
    const about = (v) => {
      let d = null;
      try { d = describe ? describe(v) : null; } catch (e) { d = null; }
      d = d || {};
      const track = v.srcObject.getVideoTracks()[0];
      return {video: v, key: String(d.key || track.id), name: d.name ? String(d.name) : '',
              share: !!d.share, hidden: !!d.hidden, talking: d.talking,
              audio: d.audio || v.srcObject.getAudioTracks()[0] || null};
    };
    let watch = () => {};  // set below: draw again when a shown video has a new frame
    const visible = () => remoteVideos(isOwn).map(about).filter((t) => !t.hidden);
    const draw = () => {
      const tiles = visible();
      for (const t of tiles) watch(t.video);
      for (const t of tiles) if (!order.has(t.key)) order.set(t.key, nextOrder++);
      const levels = {};
      for (const t of tiles) {
        if (t.share) continue;
        levels[t.key] = typeof t.talking === 'boolean' ? (t.talking ? 0 : -200)
                                                       : meter.level(t.audio);
      }
      const speaker = picker.update(levels, performance.now());
      // Shares first, then the speaker (speaker view only: a grid keeps its places), then the
      // others in the order they came.
      const rank = (t) => (t.share ? 0 : (current === 'speaker' && t.key === speaker ? 1 : 2));
      tiles.sort((a, b) => rank(a) - rank(b) || order.get(a.key) - order.get(b.key));
      const size = canvasSize(tiles.map((t) => t.video), maxWidth, maxHeight);
      if (size.width !== width || size.height !== height) {
        width = canvas.width = size.width;
        height = canvas.height = size.height;
        g = canvas.getContext('2d', {alpha: false});
      }
      g.fillStyle = '#111';
      g.fillRect(0, 0, width, height);
      if (tiles.length === 0) {
        // Alone in the meeting: say so rather than sending black.
        g.fillStyle = '#ddd';
        g.font = `${Math.round(height / 18)}px sans-serif`;
        g.textAlign = 'center';
        g.textBaseline = 'alphabetic';
        g.fillText('Waiting for other participants', width / 2, height / 2);
      }
      const cells = layout(tiles.length, width, height, current);
      const fontPx = Math.max(12, Math.round(height / 24));
      const drawn = [];
      tiles.forEach((t, i) => {
        if (!cells[i]) return;
        const r = fit(t.video, cells[i]);
        g.drawImage(t.video, r.x, r.y, r.w, r.h);
        drawName(g, t.name, r, fontPx);
        drawn.push({key: t.key, name: t.name, share: t.share, x: Math.round(r.x),
                    y: Math.round(r.y), w: Math.round(r.w), h: Math.round(r.h)});
      });
      shown = drawn;
    };
    // A frame leaves when it is drawn (captureStream(0) takes one on requestFrame() only), and
    // it is drawn when a shown video presents a new picture (requestVideoFrameCallback): the
    // meeting's picture goes on at once, not at the next tick of a timer up to a frame later
    // (bench/meeting/README.md, glass-to-glass). No closer together than most of a frame
    // interval, so several videos do not push the page's encoder past the caller's rate (its
    // sender drops what comes faster). The timer keeps that rate for what presents no frames of
    // its own: the "waiting" picture, a video whose callbacks do not run.
    const track = canvas.captureStream(0).getVideoTracks()[0];
    const interval = 1000 / fps;
    let lastDraw = -Infinity;
    let pending = null;
    let stopped = false;
    // While the meeting's one video goes to the caller as encoded frames (meeting_forwarder.js)
    // nothing is drawn: its picture is not decoded, and the link's encoder is idle.
    let paused = false;
    const frame = () => {
      pending = null;
      if (stopped || paused) return;
      lastDraw = performance.now();
      draw();
      track.requestFrame();
    };
    const soon = () => {
      if (pending !== null || stopped) return;
      const wait = lastDraw + interval * 0.9 - performance.now();
      if (wait <= 0) frame();
      else pending = setTimeout(frame, wait);
    };
    const watched = new WeakSet();
    watch = (video) => {
      if (watched.has(video) || typeof video.requestVideoFrameCallback !== 'function') return;
      watched.add(video);
      const presented = () => {
        if (stopped) return;
        soon();
        video.requestVideoFrameCallback(presented);
      };
      video.requestVideoFrameCallback(presented);
    };
    frame();
    const timer = setInterval(() => {
      if (performance.now() - lastDraw >= interval) frame();
    }, Math.round(interval));
    const halt = () => {
      stopped = true;
      clearInterval(timer);
      if (pending !== null) clearTimeout(pending);
    };
    track.addEventListener('ended', halt);
    return {
      track,
      tiles: () => shown.length,
      size: () => ({width, height, fps}),
      layout: () => current,
      setLayout(name) {
        if (!LAYOUTS.includes(name)) throw new Error('unknown layout "' + name + '"');
        current = name;
        return current;
      },
      cycleLayout() {
        current = LAYOUTS[(LAYOUTS.indexOf(current) + 1) % LAYOUTS.length];
        return current;
      },
      // What the last frame showed, for diagnostics and tests.
      state: () => ({layout: current, speaker: picker.current(), width, height,
                     tiles: shown.map((t) => ({...t}))}),
      // What a frame drawn now would show ([{video, track, share}]), drawn or not.
      visible: () => visible().map((t) => ({video: t.video,
                                            track: t.video.srcObject.getVideoTracks()[0],
                                            share: t.share})),
      pause(on) {
        paused = !!on;
        if (!paused) frame();
      },
      paused: () => paused,
      stop() { halt(); track.stop(); },
    };
  }

  window.__smgwCompositor = Object.freeze({start, layout, canvasSize, speakerPicker,
                                           layouts: LAYOUTS.slice()});
})();
