// Injected into the benchmark's observer next to tests/e2e/observer.js: one record per remote
// video track the page plays, with the wall-clock time (Date.now(), the same clock as the
// benchmark's system_clock) of its first decoded frame and a running frame count.
// Hooking the srcObject setter registers requestVideoFrameCallback before the first frame can be
// presented; a poll would miss it by up to its period.
//
// The observer's own steps toward that frame (issue 13: what bounds the time after the caller's
// join): `janusEventAt`, the last Janus event naming publishers (the long poll's answer, read
// through fetch, which janus.js uses) before the subscription's connection was made;
// `pcCreatedAt`, `offerAt` (Janus's offer set), `connectedAt` of that connection.
(() => {
  window.__benchFeeds = [];
  const janusEvents = [];  // Date.now() of each event that named publishers
  const nativeFetch = window.fetch;
  window.fetch = function (...args) {
    const answer = nativeFetch.apply(this, args);
    answer.then((res) => res.clone().json()).then((body) => {
      for (const ev of Array.isArray(body) ? body : [body]) {
        const d = ev && ev.plugindata && ev.plugindata.data;
        if (d && Array.isArray(d.publishers) && d.publishers.length > 0) janusEvents.push(Date.now());
      }
    }).catch(() => {});
    return answer;
  };
  const connections = [];  // {createdAt, offerAt, connectedAt, tracks}
  const NativePeerConnection = window.RTCPeerConnection;
  function BenchPeerConnection(...args) {
    const pc = new NativePeerConnection(...args);
    const rec = {createdAt: Date.now(), offerAt: 0, connectedAt: 0, tracks: []};
    connections.push(rec);
    pc.addEventListener('track', (e) => rec.tracks.push(e.track));
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'connected' && !rec.connectedAt) rec.connectedAt = Date.now();
    });
    const setRemote = pc.setRemoteDescription;
    pc.setRemoteDescription = function (...a) {
      if (!rec.offerAt) rec.offerAt = Date.now();
      return setRemote.apply(pc, a);
    };
    return pc;
  }
  BenchPeerConnection.prototype = NativePeerConnection.prototype;
  Object.setPrototypeOf(BenchPeerConnection, NativePeerConnection);
  window.RTCPeerConnection = BenchPeerConnection;
  // The steps of feed `serial`: its connection's times and the Janus event before it.
  window.__benchSteps = (serial) => {
    const feed = __benchFeeds.find((f) => f.serial === serial);
    if (!feed) return null;
    const rec = connections.find((c) => c.tracks.includes(feed.trackObject));
    if (!rec) return {firstFrameAt: feed.firstFrameAt};
    const before = janusEvents.filter((t) => t <= rec.createdAt);
    return {janusEventAt: before.length ? before[before.length - 1] : 0,
            pcCreatedAt: rec.createdAt, offerAt: rec.offerAt, connectedAt: rec.connectedAt,
            firstFrameAt: feed.firstFrameAt};
  };
  const watch = (e) => {
    const stream = e.srcObject;
    // The Janus demo page names remote players remotevideo<feed>-<mid>; its own is myvideo<id>.
    if (!stream || e.tagName !== 'VIDEO' || !/^remotevideo/.test(e.id)) return;
    const track = stream.getVideoTracks()[0];
    if (!track || (e.__benchFeed && e.__benchFeed.trackObject === track)) return;
    // Janus reuses track ids across subscriptions: a serial number tells feeds apart.
    const feed = {serial: __benchFeeds.length + 1, track: track.id, element: e.id,
                  attachedAt: Date.now(), firstFrameAt: 0, frames: 0, width: 0, height: 0};
    Object.defineProperty(feed, 'trackObject', {value: track, enumerable: false});
    e.__benchFeed = feed;
    __benchFeeds.push(feed);
    const cb = (_now, meta) => {
      if (e.__benchFeed !== feed) return;
      if (!feed.frames) feed.firstFrameAt = Date.now();
      feed.frames++;
      feed.width = meta.width;
      feed.height = meta.height;
      e.requestVideoFrameCallback(cb);
    };
    e.requestVideoFrameCallback(cb);
  };
  const desc = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'srcObject');
  Object.defineProperty(HTMLMediaElement.prototype, 'srcObject', {
    configurable: true,
    get() { return desc.get.call(this); },
    set(v) { desc.set.call(this, v); watch(this); },
  });
  // A stream whose video track is added after attachment is seen here.
  setInterval(() => { for (const e of document.querySelectorAll('video')) watch(e); }, 200);
  // Feeds whose players are still in the page: [{serial, frames, width, height, ...}].
  window.__benchLive = () => [...document.querySelectorAll('video')]
      .filter((e) => e.__benchFeed).map((e) => e.__benchFeed);
})();
