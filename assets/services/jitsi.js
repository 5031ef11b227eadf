// Jitsi Meet through the IFrame API (https://jitsi.github.io/handbook/docs/dev-guide/dev-guide-iframe):
// the gateway opens the deployment's own external_api.js (shown as text: same origin, nothing
// runs, nothing navigates away); this script loads that file as a script and creates the
// meeting iframe. Which upstream events mean what is listed in docs/services.md ("jitsi").
(function () {
  'use strict';
  if (window.top !== window) {
    // Inside the meeting iframe only the media bridge runs, with this answer to its compositor:
    // whose a remote video is and whether it is a share (a track of videoType "desktop"), read
    // from the Jitsi Meet app's own store (window.APP, present in every deployment's iframe).
    window.sipmediagwDescribeVideo = function (video) {
      const store = window.APP && window.APP.store;
      if (!store) return null;
      const id = video.srcObject.getVideoTracks()[0].id;
      const s = store.getState();
      const entry = (s['features/base/tracks'] || []).find(function (t) {
        const track = t.jitsiTrack && t.jitsiTrack.getTrack && t.jitsiTrack.getTrack();
        return track && track.id === id;
      });
      if (!entry) return null;
      // Our own share's preview: the room sends it, it does not need it back.
      if (entry.local) return { key: 'local', hidden: true };
      const remote = s['features/base/participants'] && s['features/base/participants'].remote;
      // A multi-stream share is a virtual participant "<endpoint>-v1": named after its owner.
      const owner = String(entry.participantId || '').replace(/-v\d+$/, '');
      const who = remote && remote.get ? remote.get(owner) : null;
      return { key: String(entry.participantId), name: who && who.name ? who.name : '',
               share: entry.videoType === 'desktop' };
    };
    return;
  }
  const kit = window.sipmediagwKit;

  // lib-jitsi-meet error names as errorOccurred reports them ({error: {name, isFatal}}).
  const LOBBY = 'conference.connectionError.membersOnly';
  const NEED_HOST = 'conference.authenticationRequired';  // "waiting for the host"
  const PASSWORD = /passwordRequired/;                     // handled by the passwordRequired event
  // Ends for good: the meeting is gone, or this participant will never be let in.
  const TERMINAL = {
    'conference.destroyed': 'the meeting was ended',
    'conference.connectionError.accessDenied': 'access to the meeting was denied',
    'conference.connectionError.notAllowed': 'not allowed in the meeting',
    'conference.max_users': 'the meeting is full',
  };
  // A breakout move announces itself with breakoutRoomsUpdated just before videoConferenceLeft.
  const MOVE_WINDOW_MS = 5000;
  // How long leave() waits for the meeting to confirm the hangup: below the gateway's own bound
  // on leave() (1.5 s, meeting_link.cpp), so that the answer says which it was.
  const LEAVE_CONFIRM_MS = 1200;

  let api = null;
  let opts = {};
  let myId = null;
  let ownShare = false;  // our screen share (screenSharingStatusChanged)
  let state = { muted: false, camera_off: false, hand: false, tile: false };
  let joinedOnce = false;  // the join() promise has resolved
  let inRoom = false;
  let finished = false;    // ended, kicked or rejected: nothing more is reported
  let hangingUp = false;   // we asked to leave
  let passwordTries = 0;   // passwords sent (configured or typed) for the current prompt
  let breakoutAt = 0;
  let settle = null;       // {resolve, reject} of the pending join()
  let leftRoom = null;     // resolves our hangup's leave() once the meeting confirmed it
  let leaving = null;      // the pending or settled leave()
  let waitingFor = '';     // the last waiting reason told (Jitsi retries, and reports each retry)

  function loadScript(src, timeoutMs) {
    return new Promise(function (resolve, reject) {
      const s = document.createElement('script');
      const timer = setTimeout(function () { reject(new Error('timed out loading ' + src)); },
                               timeoutMs);
      s.src = src;
      s.onload = function () { clearTimeout(timer); resolve(); };
      s.onerror = function () { clearTimeout(timer); reject(new Error('cannot load ' + src)); };
      document.head.appendChild(s);
    });
  }

  // A terminal end: rejects a join still pending, else tells the gateway (ended or kicked).
  function finish(type, reason) {
    if (finished || hangingUp) return;
    finished = true;
    inRoom = false;
    if (!joinedOnce && settle) {
      settle.reject(new Error(reason));
      settle = null;
      return;
    }
    kit.emit(type, { reason: reason });
  }

  function onJoined(e) {
    myId = (e && e.id) || myId;
    inRoom = true;
    passwordTries = 0;
    breakoutAt = 0;  // that move is over
    waitingFor = '';
    if (finished) return;
    if (!joinedOnce && settle) {
      joinedOnce = true;
      settle.resolve({ joined: true });
      settle = null;
    }
    kit.emit('joined', { participants: window.sipmediagwAdapter.participantCount() });
  }

  function onLeft() {
    inRoom = false;
    if (leftRoom) leftRoom();
    if (finished || hangingUp || !joinedOnce) return;
    // Not an end: a breakout move or a reload rejoins by itself (readyToClose or a kick is
    // what ends); the gateway waits for "joined" and rejoins itself if it does not come.
    const moving = Date.now() - breakoutAt < MOVE_WINDOW_MS;
    kit.emit('reconnecting', { reason: moving ? 'breakout room move' : 'left the room, rejoining' });
  }

  function onError(e) {
    const err = (e && e.error) || {};
    const name = err.name || '';
    if (name === LOBBY || name === NEED_HOST) {
      const reason = name === LOBBY ? 'lobby' : 'moderator';
      if (reason !== waitingFor) kit.emit('waiting', { reason: reason });
      waitingFor = reason;
      return;
    }
    if (PASSWORD.test(name)) return;
    if (TERMINAL[name]) { finish('ended', TERMINAL[name] + ' (' + name + ')'); return; }
    if (err.isFatal) {
      // ICE failed, focus left, bridge unavailable, connection dropped: Jitsi reloads and
      // rejoins by itself; "joined" follows, else the gateway rejoins.
      // Before the first join the join itself is still pending (and bounded by the gateway).
      inRoom = false;
      if (!finished) kit.emit(joinedOnce ? 'reconnecting' : 'error',
                              joinedOnce ? { reason: name || 'fatal error' } : { message: name });
      return;
    }
    kit.emit('error', { message: name + (err.message ? ': ' + err.message : '') });
  }

  // Who shares a screen ({data: [participant ids]}): the first one not us is the share shown.
  let sharing = null;
  function onSharing(e) {
    const ids = (e && Array.isArray(e.data) ? e.data : []).filter(function (id) {
      return id !== myId;
    });
    const id = ids.length > 0 ? String(ids[0]) : null;
    if (id === (sharing && sharing.id)) return;
    if (sharing) kit.emit('share', { active: false, id: sharing.id, name: sharing.name });
    sharing = null;
    if (!id) return;
    const info = (api.getParticipantsInfo() || []).find(function (p) {
      return p.participantId === id;
    });
    sharing = { id: id, name: info && info.displayName ? info.displayName : '' };
    kit.emit('share', { active: true, id: sharing.id, name: sharing.name });
  }

  function onPasswordRequired() {
    if (finished) return;
    if (opts.password && passwordTries === 0) {
      passwordTries = 1;
      api.executeCommand('password', opts.password);
      return;
    }
    kit.emit('password_required', { retry: passwordTries > 0 });
  }

  window.sipmediagwAdapter = {
    name: 'jitsi',

    // A warm spare's step before any call (docs/browser.md, "Pre-loaded spares"): the host page
    // is the join page of every room; the IFrame API's script is fetched and compiled now.
    prejoin: async function (options) {
      await loadScript(location.origin + '/external_api.js', (options && options.timeoutMs) || 30000);
      return { joinsInPlace: true };
    },

    join: async function (options) {
      opts = options || {};
      const timeout = opts.timeoutMs || 30000;
      const origin = opts.origin || ('https://' + opts.domain);
      document.documentElement.innerHTML =
          '<head></head><body style="margin:0;background:#000;overflow:hidden"></body>';
      await loadScript(origin + '/external_api.js', timeout);
      const lobby = { autoKnock: true, enableChat: false };
      const config = {
        prejoinConfig: { enabled: false },
        startWithAudioMuted: false,
        startWithVideoMuted: false,
        disableDeepLinking: true,
        p2p: { enabled: false },
        lobby: lobby,
        autoKnockLobby: true,  // deployments from before lobby.autoKnock (early 2023)
        enableNoisyMicDetection: false,
      };
      if (opts.language) config.defaultLanguage = opts.language;
      const apiOptions = {
        roomName: opts.room,
        parentNode: document.body,
        width: '100%',
        height: '100%',
        userInfo: { displayName: opts.displayName },
        configOverwrite: config,
        interfaceConfigOverwrite: { SHOW_CHROME_EXTENSION_BANNER: false },
      };
      if (opts.language) apiOptions.lang = opts.language;
      if (opts.jwt) apiOptions.jwt = opts.jwt;
      const pending = new Promise(function (resolve, reject) {
        settle = { resolve: resolve, reject: reject };
      });
      api = new window.JitsiMeetExternalAPI(opts.domain, apiOptions);
      api.addListener('videoConferenceJoined', onJoined);
      api.addListener('videoConferenceLeft', onLeft);
      api.addListener('breakoutRoomsUpdated', function () { breakoutAt = Date.now(); });
      api.addListener('readyToClose', function () {
        if (leftRoom) leftRoom();
        finish('ended', 'the meeting was closed');
      });
      api.addListener('participantKickedOut', function (e) {
        if (!e || !e.kicked || !(e.kicked.local || (myId && e.kicked.id === myId))) return;
        const by = e.kicker && e.kicker.name ? ' by ' + e.kicker.name : ' by a moderator';
        finish('kicked', 'removed from the meeting' + by);
      });
      api.addListener('passwordRequired', onPasswordRequired);
      api.addListener('errorOccurred', onError);
      api.addListener('audioMuteStatusChanged', function (e) { state.muted = !!e.muted; });
      api.addListener('videoMuteStatusChanged', function (e) { state.camera_off = !!e.muted; });
      api.addListener('screenSharingStatusChanged', function (e) { ownShare = !!e.on; });
      api.addListener('raiseHandUpdated', function (e) {
        if (e && e.id === myId) state.hand = !!e.handRaised;
      });
      api.addListener('tileViewChanged', function (e) { state.tile = !!e.enabled; });
      api.addListener('contentSharingParticipantsChanged', onSharing);
      // No deadline here: the gateway bounds the join (longer while the service holds it).
      return pending;
    },

    submitPassword: async function (password) {
      if (!api) throw new Error('not joining a meeting');
      if (typeof password !== 'string' || password === '') throw new Error('empty password');
      passwordTries += 1;
      api.executeCommand('password', password);
      return { submitted: true };
    },

    // The hangup goes to the meeting's frame as a message and the app then leaves the
    // conference (its presence "unavailable" to the XMPP server): the page must live until it
    // did, or the others keep seeing the caller until the server notices the dropped connection.
    leave: function () {
      if (!api) return Promise.resolve({ left: true, confirmed: false });
      if (leaving) return leaving;  // a second leave (DTMF, then the BYE) waits for the first
      hangingUp = true;
      const confirmed = !inRoom ? Promise.resolve(false) : new Promise(function (resolve) {
        const timer = setTimeout(function () { leftRoom = null; resolve(false); },
                                 LEAVE_CONFIRM_MS);
        leftRoom = function () { clearTimeout(timer); leftRoom = null; resolve(true); };
      });
      api.executeCommand('hangup');
      leaving = confirmed.then(function (c) { return { left: true, confirmed: c }; });
      return leaving;
    },

    action: async function (name) {
      if (!api || !inRoom) throw new Error('not in the meeting');
      const commands = { mute: 'toggleAudio', camera: 'toggleVideo', hand: 'toggleRaiseHand',
                         tile: 'toggleTileView' };
      if (name === 'leave') return window.sipmediagwAdapter.leave();
      // Room → meeting (docs/content.md): Jitsi's own screen share, whose getDisplayMedia in
      // the meeting's frame the media bridge answers with the room's content track.
      if (name === 'share_start' || name === 'share_stop') {
        const want = name === 'share_start';
        if (ownShare !== want) api.executeCommand('toggleShareScreen');
        return { sharing: want };
      }
      if (!commands[name]) throw new Error('unknown action ' + name);
      api.executeCommand(commands[name]);
      if (name === 'hand') state.hand = !state.hand;
      return Object.assign({}, state);
    },

    participantCount: function () {
      if (!api) return 0;
      if (typeof api.getNumberOfParticipants === 'function') return api.getNumberOfParticipants();
      return (api.getParticipantsInfo() || []).length;
    },
  };
})();
