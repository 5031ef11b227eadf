// Injected into the benchmark's observer next to tests/e2e/observer.js: one record per remote
// video track the page plays, with the wall-clock time (Date.now(), the same clock as the
// benchmark's system_clock) of its first decoded frame and a running frame count.
// Hooking the srcObject setter registers requestVideoFrameCallback before the first frame can be
// presented; a poll would miss it by up to its period.
(() => {
  window.__benchFeeds = [];
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
