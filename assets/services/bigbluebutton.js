// BigBlueButton HTML5 client (2.6+/3.0), reached through an API join URL or a Greenlight room.
// Buttons are found by their data-test attributes, which BBB keeps for its own UI tests.
// Not run in CI (no BigBlueButton here); see docs/services.md.
(function () {
  'use strict';
  if (window.top !== window) return;
  const kit = window.sipmediagwKit;
  let joined = false;

  function q(sel) { const el = document.querySelector(sel); return kit.visible(el) ? el : null; }

  function watchEnd() {
    setInterval(function () {
      if (!joined) return;
      if (q('[data-test="meetingEndedModal"]') || q('[data-test="meetingEndedModalTitle"]')) {
        joined = false;
        kit.emit('ended', { reason: 'the meeting has ended' });
      }
    }, 1000);
  }

  async function joinGreenlight(opts, timeout) {
    const input = await kit.waitFor(function () {
      return q('input[data-test="join-name"]') || q('#joinFormName') ||
             Array.from(document.querySelectorAll('input[type="text"]')).find(kit.visible);
    }, timeout, 'the Greenlight name field');
    kit.typeInto(input, opts.displayName);
    if (opts.password) {
      const code = q('input[type="password"]') || q('input[data-test="access-code"]');
      if (code) kit.typeInto(code, opts.password);
    }
    const button = await kit.waitFor(function () {
      return q('[data-test="join-room"]') || kit.buttonWithText(/join/i);
    }, timeout, 'the Greenlight join button');
    button.click();
  }

  window.sipmediagwAdapter = {
    name: 'bigbluebutton',

    join: async function (opts) {
      const timeout = opts.timeoutMs || 30000;
      if (opts.greenlight && !/html5client/.test(location.pathname)) {
        await joinGreenlight(opts, timeout);
        // Greenlight redirects to the HTML5 client; the script is injected there again and
        // join() is called once more by the gateway when the navigation settles.
        return { joined: false, redirected: true };
      }
      // With userdata-bbb_auto_join_audio/skip_check_audio the microphone joins by itself;
      // if the audio modal still shows, pick "Microphone".
      await kit.waitFor(function () {
        const mic = q('[data-test="microphoneBtn"]') || q('button[aria-label="Microphone"]');
        if (mic) mic.click();
        return q('[data-test="muteMicButton"]') || q('[data-test="unmuteMicButton"]');
      }, timeout, 'the microphone to join');
      const share = q('[data-test="joinVideo"]');
      if (share) share.click();
      const start = await kit.waitFor(function () {
        return q('[data-test="startSharingWebcam"]') || q('[data-test="leaveVideo"]');
      }, timeout, 'the camera to be shared').catch(function () { return null; });
      if (start && start.getAttribute('data-test') === 'startSharingWebcam') start.click();
      joined = true;
      watchEnd();
      kit.emit('joined', { participants: window.sipmediagwAdapter.participantCount() });
      return { joined: true };
    },

    leave: async function () {
      const options = q('[data-test="optionsButton"]') || q('[data-test="leaveMeetingDropdown"]');
      if (options) options.click();
      const logout = await kit.waitFor(function () {
        return q('[data-test="logout"]') || q('[data-test="directLogoutButton"]');
      }, 5000, 'the leave entry').catch(function () { return null; });
      if (logout) logout.click();
      joined = false;
      return { left: true };
    },

    action: async function (name) {
      if (name === 'mute') {
        const b = q('[data-test="muteMicButton"]') || q('[data-test="unmuteMicButton"]');
        if (!b) throw new Error('no microphone button');
        b.click();
        return { muted: b.getAttribute('data-test') === 'muteMicButton' };
      }
      if (name === 'camera') {
        const b = q('[data-test="leaveVideo"]') || q('[data-test="joinVideo"]');
        if (!b) throw new Error('no camera button');
        const wasOn = b.getAttribute('data-test') === 'leaveVideo';
        b.click();
        if (!wasOn) {
          const start = await kit.waitFor(function () { return q('[data-test="startSharingWebcam"]'); },
                                          5000, 'the camera preview').catch(function () { return null; });
          if (start) start.click();
        }
        return { camera_off: wasOn };
      }
      if (name === 'hand') {
        const b = q('[data-test="raiseHandBtn"]') || q('[data-test="lowerHandBtn"]') ||
                  q('[data-test="reactionsButton"]');
        if (!b) throw new Error('no raise-hand button');
        b.click();
        return { hand: b.getAttribute('data-test') === 'raiseHandBtn' };
      }
      if (name === 'leave') return window.sipmediagwAdapter.leave();
      throw new Error('BigBlueButton adapter has no "' + name + '"');
    },

    participantCount: function () {
      const items = document.querySelectorAll('[data-test="userListItem"], [data-test="userListItemCurrent"]');
      return items.length;
    },
  };
})();
