// Jitsi Meet through the IFrame API (https://jitsi.github.io/handbook/docs/dev-guide/dev-guide-iframe):
// load external_api.js from the deployment, create the meeting iframe with prejoin off and the
// display name set, knock on the lobby, and drive the meeting with executeCommand.
// Not run in CI (no Jitsi deployment here); see docs/services.md for the interfaces relied on.
(function () {
  'use strict';
  if (window.top !== window) return;  // inside the meeting iframe only the media bridge runs
  const kit = window.sipmediagwKit;
  let api = null;
  let myId = null;
  let state = { muted: false, camera_off: false, hand: false, tile: false };

  function loadScript(src, timeoutMs) {
    return new Promise(function (resolve, reject) {
      const s = document.createElement('script');
      s.src = src;
      s.onload = resolve;
      s.onerror = function () { reject(new Error('cannot load ' + src)); };
      document.head.appendChild(s);
      setTimeout(function () { reject(new Error('timed out loading ' + src)); }, timeoutMs);
    });
  }

  window.sipmediagwAdapter = {
    name: 'jitsi',

    join: async function (opts) {
      const timeout = opts.timeoutMs || 30000;
      document.documentElement.innerHTML = '<head></head><body style="margin:0;background:#000"></body>';
      await loadScript('https://' + opts.domain + '/external_api.js', timeout);
      const options = {
        roomName: opts.room,
        parentNode: document.body,
        width: '100%',
        height: '100%',
        userInfo: { displayName: opts.displayName },
        configOverwrite: {
          prejoinPageEnabled: false,
          prejoinConfig: { enabled: false },
          startWithAudioMuted: false,
          startWithVideoMuted: false,
          disableDeepLinking: true,
          p2p: { enabled: false },
          lobby: { autoKnock: true, enableChat: false },
          enableNoisyMicDetection: false,
        },
        interfaceConfigOverwrite: { SHOW_CHROME_EXTENSION_BANNER: false },
      };
      if (opts.jwt) options.jwt = opts.jwt;
      api = new window.JitsiMeetExternalAPI(opts.domain, options);
      api.addListener('passwordRequired', function () {
        if (opts.password) api.executeCommand('password', opts.password);
        else kit.emit('error', { reason: 'the room needs a password' });
      });
      api.addListener('knockingParticipant', function () {});
      api.addListener('errorOccurred', function (e) {
        const name = (e && e.error && e.error.name) || '';
        if (/membersOnly|lobby/i.test(name)) kit.emit('lobby', { reason: name });
        else if (e && e.error && e.error.isFatal) kit.emit('ended', { reason: name || 'fatal error' });
      });
      api.addListener('participantKickedOut', function (e) {
        if (e && e.kicked && e.kicked.local) kit.emit('kicked', { reason: 'kicked by a moderator' });
      });
      api.addListener('videoConferenceLeft', function () { kit.emit('ended', { reason: 'left' }); });
      api.addListener('readyToClose', function () { kit.emit('ended', { reason: 'meeting closed' }); });
      api.addListener('audioMuteStatusChanged', function (e) { state.muted = !!e.muted; });
      api.addListener('videoMuteStatusChanged', function (e) { state.camera_off = !!e.muted; });
      api.addListener('raiseHandUpdated', function (e) {
        if (e && e.id === myId) state.hand = !!e.handRaised;
      });
      api.addListener('tileViewChanged', function (e) { state.tile = !!e.enabled; });
      const joinedEvent = await new Promise(function (resolve, reject) {
        api.addListener('videoConferenceJoined', resolve);
        setTimeout(function () { reject(new Error('timed out joining the Jitsi room')); }, timeout);
      });
      myId = joinedEvent && joinedEvent.id;
      kit.emit('joined', { participants: window.sipmediagwAdapter.participantCount() });
      return { joined: true };
    },

    leave: async function () {
      if (api) api.executeCommand('hangup');
      return { left: true };
    },

    action: async function (name) {
      if (!api) throw new Error('not in the meeting');
      const commands = { mute: 'toggleAudio', camera: 'toggleVideo', hand: 'toggleRaiseHand',
                         tile: 'toggleTileView' };
      if (name === 'leave') return window.sipmediagwAdapter.leave();
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
