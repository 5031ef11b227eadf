// sipmediagw compositor: the meeting's video for the caller drawn from the page's remote <video>
// elements onto a canvas, instead of capturing the whole tab ([browser] meeting_video =
// "compositor"). It skips the page's own layout, toolbars and self-view, and costs one canvas
// draw per tile per frame. Injected before media_bridge.js in every frame; idle until started.
// The canvas is at most the size asked for (the caller's limits) and, with a single remote video,
// no larger than that video: upscaling it would only give the page's encoder more pixels to
// encode and the caller nothing more to see.
(() => {
  'use strict';
  if (window.__smgwCompositor) return;

  // Tiles of a grid as close to square as the count allows, each fitted with its aspect kept.
  function layout(count, width, height) {
    const cols = Math.ceil(Math.sqrt(count));
    const rows = Math.ceil(count / cols);
    const cells = [];
    for (let i = 0; i < count; i++) {
      cells.push({x: (i % cols) * width / cols, y: Math.floor(i / cols) * height / rows,
                  w: width / cols, h: height / rows});
    }
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
      if (seen.has(tracks[0].id)) return false;
      seen.add(tracks[0].id);
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

  function start({width: maxWidth, height: maxHeight, fps, isOwn}) {
    const canvas = document.createElement('canvas');
    canvas.width = maxWidth;
    canvas.height = maxHeight;
    let g = canvas.getContext('2d', {alpha: false});
    let shown = 0;
    let width = maxWidth;
    let height = maxHeight;
    const draw = () => {
      const videos = remoteVideos(isOwn);
      const size = canvasSize(videos, maxWidth, maxHeight);
      if (size.width !== width || size.height !== height) {
        width = canvas.width = size.width;
        height = canvas.height = size.height;
        g = canvas.getContext('2d', {alpha: false});
      }
      g.fillStyle = '#111';
      g.fillRect(0, 0, width, height);
      if (videos.length === 0) {
        // Alone in the meeting: say so rather than sending black.
        g.fillStyle = '#ddd';
        g.font = `${Math.round(height / 18)}px sans-serif`;
        g.textAlign = 'center';
        g.fillText('Waiting for other participants', width / 2, height / 2);
      }
      const cells = layout(videos.length, width, height);
      videos.forEach((v, i) => {
        const r = fit(v, cells[i]);
        g.drawImage(v, r.x, r.y, r.w, r.h);
      });
      shown = videos.length;
    };
    draw();
    const timer = setInterval(draw, Math.round(1000 / fps));
    const track = canvas.captureStream(fps).getVideoTracks()[0];
    track.addEventListener('ended', () => clearInterval(timer));
    return {track, tiles: () => shown, size: () => ({width, height, fps}),
            stop() { clearInterval(timer); track.stop(); }};
  }

  window.__smgwCompositor = Object.freeze({start, layout, canvasSize});
})();
