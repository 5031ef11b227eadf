// Janus VideoRoom demo page (janus-demos 1.1: videoroomtest.html/videoroomtest.js).
// Uses the page's own globals (janus, sfutest, myid, feeds) and buttons (#start, #username,
// #register, #mute), as a person using the demo would.
(function () {
  'use strict';
  if (window.top !== window) return;  // the demo has no meeting iframes
  const kit = window.sipmediagwKit;
  let joined = false;
  let prejoined = false;  // prejoin() made the session: join() goes on from the name form
  let sessionLost = false;

  // Janus restarted or unreachable: our session on it is gone and the page cannot get it back
  // (the demo would only reload itself). Said once; `rejoin` asks the gateway to join again
  // with a fresh browser instead of waiting for the page to recover.
  function reportSessionLost(reason) {
    if (!joined || sessionLost) return;
    sessionLost = true;
    kit.emit('reconnecting', { reason: 'Janus session lost: ' + reason, rejoin: true });
  }

  // janus.js calls the page's error callback only after its long poll failed four times in a
  // row (then isConnected() turns false); a Janus that came back in between answers our old
  // session with error 458 (no such session), which janus.js merely logs through Janus.error.
  function hookSessionErrors() {
    if (!window.Janus || window.Janus.__sipmediagw) return;
    const log = window.Janus.error;
    window.Janus.error = function () {
      const first = arguments.length > 0 ? String(arguments[0]) : '';
      if (/Ooops: 458\b/.test(first)) reportSessionLost(first);
      return typeof log === 'function' ? log.apply(this, arguments) : undefined;
    };
    window.Janus.__sipmediagw = true;
  }

  function watchSession() {
    const timer = setInterval(function () {
      if (!joined) { clearInterval(timer); return; }
      if (window.janus && !window.janus.isConnected()) {
        clearInterval(timer);
        reportSessionLost('janus.js is no longer connected');
      }
    }, 1000);
  }

  // Our own publisher's PeerConnection is up (the demo's global handle `sfutest`).
  function ownPublisherUp() {
    const h = window.sfutest;
    const pc = h && h.webrtcStuff && h.webrtcStuff.pc;
    return !!pc && (pc.iceConnectionState === 'connected' ||
                    pc.iceConnectionState === 'completed');
  }

  // The demo reports fatal conditions with bootbox.alert and then reloads the page.
  function hookAlerts() {
    if (!window.bootbox || window.bootbox.__sipmediagw) return;
    const original = window.bootbox.alert;
    window.bootbox.alert = function (message) {
      const text = typeof message === 'string' ? message : JSON.stringify(message);
      if (joined && /lost connection|server down|no such session/i.test(text)) {
        reportSessionLost(text);
        return undefined;  // no modal: the gateway discards this page
      }
      // The demo says "WebRTC error..." as well when subscribing to a feed fails, e.g. a
      // publisher that left while we answered its offer (a share stopped as soon as it
      // started), and "No such feed (<id>)" when it left before our subscription reached
      // Janus (seen when a room's content share stopped a second after it started): one feed
      // less, not the end of our meeting while our own publisher is up.
      if (joined && /^(WebRTC error|No such feed)/i.test(text) && ownPublisherUp()) {
        kit.emit('feed_failed', { reason: text });
        return undefined;  // no modal: the meeting goes on
      }
      if (/destroyed/i.test(text)) kit.emit('ended', { reason: text });
      else if (/kicked/i.test(text)) kit.emit('kicked', { reason: text });
      else kit.emit(joined ? 'ended' : 'error', { reason: text });
      return original.apply(this, arguments);
    };
    window.bootbox.__sipmediagw = true;
  }

  // A share in the demo room is a publisher named "<name> (content)": the convention of the
  // gateway's own room → meeting share (docs/content.md). Ours is not shown back to our caller.
  const CONTENT = ' (content)';
  let myName = '';
  const isContent = function (display) { return display.endsWith(CONTENT); };
  const isOwnContent = function (display) { return myName !== '' && display === myName + CONTENT; };
  const remoteFeeds = function () {
    return Array.isArray(window.feeds) ? window.feeds.filter(Boolean) : [];
  };
  const displayOf = function (feed) { return String(feed.rfdisplay || ''); };

  // The compositor's question about a remote <video>: whose it is (the demo puts feed N's media
  // in #videoremoteN, its audio in a hidden <audio> there).
  window.sipmediagwDescribeVideo = function (video) {
    const box = video.closest('[id^="videoremote"]');
    const feed = box ? window.feeds && window.feeds[parseInt(box.id.slice(11), 10)] : null;
    if (!feed) return null;
    const display = displayOf(feed);
    const share = isContent(display);
    const sound = box.querySelector('audio');
    return { key: String(feed.rfid), name: share ? display.slice(0, -CONTENT.length) : display,
             share: share, hidden: share && isOwnContent(display),
             audio: sound && sound.srcObject ? sound.srcObject.getAudioTracks()[0] : null };
  };

  // Reports the share the room sees when it changes: the latest content publisher not ours
  // (the latest sharer wins, docs/content.md); when it stops, the one before it if still on.
  // The demo fills the first free slot of window.feeds, so arrival order is kept here.
  let shown = null;
  const shareOrder = new Map();  // rfid → when this page first saw it
  let shareSeq = 0;
  function watchShares() {
    const timer = setInterval(function () {
      if (!joined) { clearInterval(timer); return; }
      const shares = remoteFeeds().filter(function (f) {
        const d = displayOf(f);
        return isContent(d) && !isOwnContent(d);
      });
      const ids = new Set(shares.map(function (f) { return String(f.rfid); }));
      for (const id of shareOrder.keys()) if (!ids.has(id)) shareOrder.delete(id);
      for (const id of ids) if (!shareOrder.has(id)) shareOrder.set(id, ++shareSeq);
      let feed = null;
      for (const f of shares)
        if (!feed || shareOrder.get(String(f.rfid)) > shareOrder.get(String(feed.rfid))) feed = f;
      const now = feed ? { id: String(feed.rfid),
                           name: displayOf(feed).slice(0, -CONTENT.length) } : null;
      if ((now && now.id) === (shown && shown.id)) return;
      // One share replacing another is one change (active with the new one): the room keeps
      // its content display, the floor stays with the gateway.
      if (shown && !now) kit.emit('share', { active: false, id: shown.id, name: shown.name });
      shown = now;
      if (shown) kit.emit('share', { active: true, id: shown.id, name: shown.name });
    }, 500);
  }

  // The demo's Start: a Janus session and a VideoRoom handle; resolves with the name form.
  async function startSession(timeout) {
    try {
      await kit.waitFor(function () {
        const b = document.getElementById('start');
        // Enabled is not enough: the demo binds its click handler only in Janus.init's callback.
        const events = window.jQuery && b && window.jQuery._data(b, 'events');
        return window.Janus && window.bootbox && b && !b.disabled && events && events.click;
      }, timeout, 'the demo page to load');
    } catch (e) {
      // Say what the page lacks, and which of its files arrived with which status.
      const files = performance.getEntriesByType('resource').map(function (r) {
        return r.name.replace(location.origin, '') + '=' + (r.responseStatus || 0);
      });
      throw new Error(e.message + ' (readyState=' + document.readyState + ' jQuery=' +
                      !!window.jQuery + ' Janus=' + !!window.Janus + ' bootbox=' +
                      !!window.bootbox + ' files: ' + files.join(' ') + ')');
    }
    hookAlerts();
    hookSessionErrors();
    // settings.js leaves iceServers null, which makes janus.js add a public STUN server;
    // the meeting is reached directly, so no STUN.
    window.iceServers = [];
    document.getElementById('start').click();
    return kit.waitFor(function () {
      const u = document.getElementById('username');
      return kit.visible(u) ? u : null;
    }, timeout, 'the name form');
  }

  // Room → meeting (docs/content.md): the room's content as a second publisher of ours,
  // "<name> (content)", in the same room, on a handle of its own; the screen it publishes is
  // what getDisplayMedia gives (the media bridge answers with the room's content track).
  let contentHandle = null;
  async function shareStart() {
    if (contentHandle) return { sharing: true };
    if (!window.janus || !window.Janus) throw new Error('not in the room');
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    const track = stream.getVideoTracks()[0];
    if (!track) throw new Error('no content track');
    // The codec the link carries the content in: with the room's choice instead (its first
    // codec that the offer has, H.264 in the demo room), the page would decode the content and
    // encode it again; in the link's codec it forwards the frames as they are (docs/content.md).
    const bridge = window.__smgwBridge;
    const linkCodec = bridge && bridge.contentCodec ? bridge.contentCodec() : '';
    const codec = linkCodec === 'vp8' || linkCodec === 'h264' ? linkCodec : '';
    let askedCodec = codec;
    let lastOffer = null;
    const publish = function (offer, videocodec) {
      const message = { request: 'publish', audio: false, video: true };
      if (videocodec) message.videocodec = videocodec;
      contentHandle.send({ message: message, jsep: offer });
    };
    return new Promise(function (resolve, reject) {
      let settled = false;
      const settle = function (fn, v) { if (!settled) { settled = true; fn(v); } };
      window.janus.attach({
        plugin: 'janus.plugin.videoroom',
        opaqueId: 'sipmediagw-content-' + window.Janus.randomString(8),
        success: function (handle) {
          contentHandle = handle;
          handle.send({ message: { request: 'join', room: window.myroom, ptype: 'publisher',
                                   display: myName + CONTENT } });
        },
        error: function (e) { contentHandle = null; settle(reject, new Error(String(e))); },
        onmessage: function (msg, jsep) {
          const handle = contentHandle;
          if (!handle) return;
          if (msg.videoroom === 'joined') {
            handle.createOffer({
              tracks: [{ type: 'video', capture: track, recv: false }],
              success: function (offer) {
                lastOffer = offer;
                publish(offer, codec);
              },
              error: function (e) { settle(reject, new Error('content offer: ' + e)); },
            });
          } else if (msg.error && askedCodec) {
            // A room whose codecs leave out the link's: publish with the room's choice (the
            // page then re-encodes the content).
            askedCodec = '';
            publish(lastOffer, '');
          } else if (msg.error) {
            settle(reject, new Error(String(msg.error)));
          }
          if (jsep) {
            handle.handleRemoteJsep({ jsep: jsep });
            settle(resolve, { sharing: true });
          }
        },
      });
    });
  }

  function shareStop() {
    const handle = contentHandle;
    contentHandle = null;
    if (handle) handle.detach();
    return { sharing: false };
  }

  window.sipmediagwAdapter = {
    name: 'janus',

    // A warm spare's step before any call (docs/browser.md, "Pre-loaded spares"): the demo's
    // Janus session and VideoRoom handle are made, the name form is up, no room is joined.
    prejoin: async function (opts) {
      await startSession(opts.timeoutMs || 30000);
      prejoined = true;
      return { joinsInPlace: true };
    },

    join: async function (opts) {
      const timeout = opts.timeoutMs || 30000;
      // The gateway's link up now, not once the room has accepted us and the demo asks for the
      // camera: its negotiation then runs alongside Janus's (the demo runs in the top frame).
      if (window.__smgwBridge) window.__smgwBridge.connect();
      // A pre-loaded page's session must still be alive: a spare can wait for hours, and a Janus
      // restarted meanwhile forgot it (the gateway then retries the join in a fresh browser).
      if (prejoined && !(window.janus && window.janus.isConnected() && window.sfutest))
        throw new Error('the pre-loaded page lost its Janus session');
      // The demo reads its room from the URL when it loads; a pre-loaded page was loaded
      // without one ('myroom' is the demo's global).
      if (opts.room !== undefined && /^[0-9]+$/.test(String(opts.room)))
        window.myroom = parseInt(opts.room, 10);
      const input = prejoined ? document.getElementById('username')
                              : await startSession(timeout);
      // The demo accepts letters and digits only in a display name.
      myName = String(opts.displayName).replace(/[^a-zA-Z0-9]/g, '') || 'sip';
      kit.typeInto(input, myName);
      document.getElementById('register').click();
      await kit.waitFor(function () {
        return window.myid && document.querySelector('#videolocal video');
      }, timeout, 'the room to accept us');
      joined = true;
      watchSession();
      watchShares();
      kit.emit('joined', { participants: window.sipmediagwAdapter.participantCount() });
      return { joined: true };
    },

    leave: async function () {
      // Resolved once Janus answered the session's destroy (or after 1.2 s, within the
      // gateway's 1.5 s wait for leave): the browser goes right after, and a destroy request
      // that never left (a loaded host) kept the caller in the room until Janus noticed the
      // dead connection, about 30 s later. notifyDestroyed: false, or the demo page reloads.
      const janus = window.janus;
      joined = false;  // first: the session watcher must not take our destroy for a loss
      if (janus) {
        await new Promise(function (resolve) {
          const timer = setTimeout(resolve, 1200);
          const done = function () { clearTimeout(timer); resolve(); };
          janus.destroy({ success: done, error: done, notifyDestroyed: false });
        });
      }
      return { left: true };
    },

    action: async function (name) {
      const handle = window.sfutest;
      if (!handle) throw new Error('not in the room');
      if (name === 'mute') {
        if (typeof window.toggleMute === 'function') window.toggleMute();
        else if (handle.isAudioMuted()) handle.unmuteAudio(); else handle.muteAudio();
        return { muted: handle.isAudioMuted() };
      }
      if (name === 'camera') {
        if (handle.isVideoMuted()) handle.unmuteVideo(); else handle.muteVideo();
        return { camera_off: handle.isVideoMuted() };
      }
      if (name === 'leave') return window.sipmediagwAdapter.leave();
      if (name === 'share_start') return shareStart();
      if (name === 'share_stop') return shareStop();
      throw new Error('the Janus demo has no "' + name + '"');
    },

    // People: a share publisher is not one (it must not keep a caller from being alone).
    participantCount: function () {
      const people = remoteFeeds().filter(function (f) { return !isContent(displayOf(f)); });
      return (joined ? 1 : 0) + people.length;
    },
  };
})();
