// BigBlueButton HTML5 client (2.6/2.7 and 3.0), reached through an API join URL or a
// Greenlight v3 room. Buttons are found by the data-test attributes BBB keeps for its own
// Playwright tests, Greenlight's form by its control ids: never by UI text, which follows the
// user's language. docs/services.md lists the upstream versions these facts come from; the
// fixtures in tests/fixtures/bigbluebutton/ reproduce them.
(function () {
  'use strict';
  if (window.top !== window) return;
  const kit = window.sipmediagwKit;
  const JOINED_KEY = 'sipmediagw.bbb.joined';
  let joined = false;
  let leaving = false;
  let ended = false;
  let watching = false;
  let codePending = false;  // Greenlight asks for an access code nobody configured

  function q(sel) { const el = document.querySelector(sel); return kit.visible(el) ? el : null; }
  function dt(name) { return q('[data-test="' + name + '"]'); }
  function inClient() { return /\/html5client(\/|$)/.test(location.pathname); }

  function finish(type, reason) {
    if (ended) return;
    ended = true;
    joined = false;
    try { sessionStorage.removeItem(JOINED_KEY); } catch (e) { /* storage off */ }
    kit.emit(type, { reason: reason });
  }

  // ---- Greenlight v3 (/rooms/<friendly id>/join) ------------------------------------------

  // Greenlight swaps its form for "meeting has not started" (an <h5> and a spinner, no id) when
  // the status call says the meeting is not running, and joins by itself (ActionCable) once it
  // starts: the page then does window.location.replace(<BBB join URL>).
  function greenlightNavigation() {
    return new Promise(function (resolve) {
      if (window.navigation && window.navigation.addEventListener) {
        window.navigation.addEventListener('navigate', function () { resolve(); });
      }
      window.addEventListener('beforeunload', function () { resolve(); });
    });
  }

  async function joinGreenlight(opts, timeout) {
    const navigating = greenlightNavigation();
    let redirected = false;
    navigating.then(function () { redirected = true; });
    const name = await kit.waitFor(function () { return q('#joinFormName') || (redirected && 'gone'); },
                                   timeout, 'the Greenlight join form (#joinFormName)');
    if (name === 'gone') return { joined: false, redirected: true };
    // ?joinFormName= prefilled the field (Greenlight ≥ 3.1); older ones need typing.
    if (name.value !== opts.displayName && !name.disabled) kit.typeInto(name, opts.displayName);
    const code = q('#joinFormCode');
    if (code && !code.value) {
      if (!opts.password) {
        codePending = true;
        kit.emit('password_required', { retry: false });
      } else {
        kit.typeInto(code, opts.password);
      }
    }
    const consent = q('#consentCheck');
    if (consent && !consent.checked) consent.click();
    if (!codePending) submitGreenlight();
    return watchGreenlight(opts, navigating);
  }

  function submitGreenlight() {
    const submit = q('form button[type="submit"]') || q('button[type="submit"]');
    if (submit) submit.click();
  }

  // Pending until the page leaves for the client; reports waiting and refused codes meanwhile.
  function watchGreenlight(opts, navigating) {
    return new Promise(function (resolve) {
      let waiting = false;
      let refusedCode = null;
      navigating.then(function () { clearInterval(timer); resolve({ joined: false, redirected: true }); });
      const timer = setInterval(function () {
        const form = q('#joinFormName');
        if (!form && !waiting) {
          waiting = true;
          kit.emit('waiting', { reason: 'meeting_not_started' });
        } else if (form) {
          waiting = false;
        }
        // A wrong access code comes back as a 403 marked on the field (is-invalid).
        const code = q('#joinFormCode');
        const invalid = code && code.classList.contains('is-invalid') ? code.value : null;
        if (invalid !== null && invalid !== refusedCode) {
          refusedCode = invalid;
          kit.emit('password_required', { retry: true });
        }
      }, 250);
    });
  }

  // ---- The HTML5 client ------------------------------------------------------------------

  // Runs the dialogs BBB may show before the caller is in with a microphone: pre-flight
  // (develop), the audio choice (never listen-only), the echo test (2.6+ local echo:
  // joinEchoTestButton; remote echo: echoYesBtn), and 3.0's session-details modal.
  function stepAudio() {
    const clickable = dt('preFlightJoinButton') || dt('joinEchoTestButton') || dt('echoYesBtn') ||
                      dt('microphoneBtn');
    if (clickable) clickable.click();
    closeSessionDetails();
    return dt('muteMicButton') || dt('unmuteMicButton');
  }

  function closeSessionDetails() {
    const modal = dt('sessionDetailsModal');
    if (!modal) return;
    const close = modal.querySelector('[data-test="closeModal"]') || dt('closeModal');
    if (close) close.click();
  }

  // The camera preview (joinVideo's dialog, or auto-share without skip-preview): a medium
  // quality is enough for a tab the gateway captures anyway.
  function stepPreview() {
    const start = dt('startSharingWebcam');
    if (!start) return null;
    const quality = q('#setQuality');
    if (quality && quality.querySelector('option[value="medium"]')) kit.typeInto(quality, 'medium');
    start.click();
    return start;
  }

  async function shareCamera(autoShare, timeout) {
    if (dt('leaveVideo')) return true;
    if (autoShare) {
      // userdata-bbb_auto_share_webcam: BBB starts the camera itself after the audio step. A
      // joinVideo click while it connects would stop it (3.0: 'videoConnecting' → stopVideo),
      // so only answer a preview and wait for leaveVideo.
      const on = await kit.waitFor(function () { stepPreview(); closeSessionDetails(); return dt('leaveVideo'); },
                                   Math.min(timeout, 15000), 'the camera auto-share')
        .catch(function () { return null; });
      if (on) return true;
    }
    const share = dt('joinVideo');
    if (share) share.click();
    const on = await kit.waitFor(function () { stepPreview(); return dt('leaveVideo'); },
                                 timeout, 'the camera to be shared').catch(function () { return null; });
    return !!on;
  }

  async function joinClient(opts, timeout) {
    await kit.waitFor(stepAudio, timeout, 'the microphone to join (audio dialogs)');
    const camera = await shareCamera(!!opts.autoShareWebcam, timeout);
    if (!camera) kit.emit('error', { message: 'the camera could not be shared; joined without it' });
    closeSessionDetails();
    joined = true;
    try { sessionStorage.setItem(JOINED_KEY, '1'); } catch (e) { /* storage off */ }
    watchEnd();
    watchShare();
    kit.emit('joined', {});
    return { joined: true };
  }

  // The meeting's screen share plays in <video id="screenshareVideo"> (the client's
  // SCREENSHARE_MEDIA_ELEMENT_NAME; docs/services.md names the upstream commit). Our own share
  // (the presenter's local preview) is a captured track: it has a display surface, a received
  // one has none.
  const SHARE_VIDEO = 'screenshareVideo';
  function receivedShare() {
    const v = document.getElementById(SHARE_VIDEO);
    const track = v && v.srcObject && v.srcObject.getVideoTracks ? v.srcObject.getVideoTracks()[0]
                                                                  : null;
    // The room's content we share (docs/content.md) is no captured screen either: the media
    // bridge knows it.
    const bridge = window.__smgwBridge;
    const ours = bridge && typeof bridge.isOwnContent === 'function' && track &&
        bridge.isOwnContent(track);
    return track && track.readyState === 'live' && v.videoWidth > 0 &&
        !track.getSettings().displaySurface && !ours ? track : null;
  }
  window.sipmediagwDescribeVideo = function (video) {
    return video.id === SHARE_VIDEO ? { key: 'screenshare', share: true } : null;
  };
  let sharing = false;
  let shareWatched = false;
  function watchShare() {
    if (shareWatched) return;
    shareWatched = true;
    setInterval(function () {
      const now = joined && !!receivedShare();
      if (now === sharing) return;
      sharing = now;
      kit.emit('share', { active: now, id: 'screenshare', name: '' });
    }, 500);
  }

  // The ends a caller must not sit through: the meeting-ended modal (ended, or ejected on 3.0),
  // 2.x's error screen (removed: kicked), and 3.0 leaving the client for the logout URL without
  // a modal (skipMeetingEnded, timeoutBeforeRedirectOnMeetingEnd).
  function watchEnd() {
    if (watching) return;
    watching = true;
    setInterval(function () {
      if (!joined) return;
      // BBB shows a removed user either screen (bigbluebutton#16463); only the title's text
      // (localised, so English is all we recognise) or 2.x's error code 403 tells the two apart.
      const modal = dt('meetingEndedModal') || dt('meetingEndedModalTitle');
      const error = dt('errorScreenMessage');
      const screen = modal || error;
      if (!screen) return;
      const text = ((modal && (modal.querySelector('[data-test="meetingEndedModalTitle"]') || modal)) ||
                    error).textContent.trim().replace(/\s+/g, ' ');
      const around = (error && error.parentElement ? error.parentElement.textContent : text);
      const removed = /\b403\b|removed|ejected/i.test(around);
      finish(removed ? 'kicked' : 'ended',
             (removed ? 'removed from the BigBlueButton meeting' : 'the BigBlueButton meeting has ended') +
             (text ? ' (' + text.slice(0, 120) + ')' : ''));
    }, 500);
    const away = function (url) {
      if (!joined || leaving) return;
      let path = '';
      try { path = new URL(url, location.href).pathname; } catch (e) { path = ''; }
      if (/\/html5client(\/|$)/.test(path)) {
        kit.emit('reconnecting', { reason: 'the BigBlueButton client reloads' });
        return;
      }
      finish('ended', 'the BigBlueButton client left the meeting for ' + url);
    };
    if (window.navigation && window.navigation.addEventListener) {
      window.navigation.addEventListener('navigate', function (e) { away(e.destination.url); });
    } else {
      window.addEventListener('beforeunload', function () { away('another page'); });
    }
  }

  // A new document after the client said it joined, on the same origin (a cross-origin
  // logout page loses sessionStorage: the gateway's own join state must cover that case).
  (function checkArrival() {
    let was = null;
    try { was = sessionStorage.getItem(JOINED_KEY); } catch (e) { was = null; }
    if (was && !inClient()) {
      try { sessionStorage.removeItem(JOINED_KEY); } catch (e) { /* storage off */ }
      kit.emit('ended', { reason: 'the BigBlueButton client left the meeting for ' + location.href });
    }
  })();

  async function openHandMenu() {
    const item = dt('raiseHandBtn') || dt('lowerHandBtn');
    if (item) return item;
    const reactions = dt('reactionsButton');
    if (!reactions) return null;
    reactions.click();
    return kit.waitFor(function () { return dt('raiseHandBtn') || dt('lowerHandBtn'); }, 5000,
                       'the raise-hand entry of the reactions menu').catch(function () { return null; });
  }

  function handIsUp() {
    if (dt('lowerHandBtn')) return true;
    // 3.0's standalone button keeps data-test="raiseHandBtn" in both states.
    const b = dt('raiseHandBtn');
    return !!b && (b.getAttribute('aria-pressed') === 'true' || b.getAttribute('data-raised') === 'true');
  }

  window.sipmediagwAdapter = {
    name: 'bigbluebutton',

    join: async function (opts) {
      const timeout = opts.timeoutMs || 30000;
      ended = false;
      if (!inClient()) {
        if (opts.greenlight) return joinGreenlight(opts, timeout);
        throw new Error('not a BigBlueButton client page: ' + location.href);
      }
      return joinClient(opts, timeout);
    },

    submitPassword: async function (password) {
      const code = await kit.waitFor(function () { return q('#joinFormCode'); }, 10000,
                                     'the Greenlight access code field (#joinFormCode)');
      kit.typeInto(code, password);
      codePending = false;
      submitGreenlight();
      return { submitted: true };
    },

    leave: async function () {
      leaving = true;
      // userdata-bbb_direct_leave_button puts "leave" in its own dropdown; without it the
      // options menu holds it (2.6+: optionsLogoutButton).
      const dropdown = dt('leaveMeetingDropdown');
      const options = dropdown ? null : dt('optionsButton');
      if (dropdown) dropdown.click(); else if (options) options.click();
      const logout = await kit.waitFor(function () {
        return dt('directLogoutButton') || dt('optionsLogoutButton');
      }, 5000, 'the leave entry').catch(function () { return null; });
      if (logout) logout.click();
      joined = false;
      try { sessionStorage.removeItem(JOINED_KEY); } catch (e) { /* storage off */ }
      return { left: !!logout };
    },

    action: async function (name) {
      if (name === 'mute') {
        const b = dt('muteMicButton') || dt('unmuteMicButton');
        if (!b) throw new Error('no microphone button');
        b.click();
        const now = await kit.waitFor(function () { return dt('muteMicButton') || dt('unmuteMicButton'); }, 5000);
        return { muted: now.getAttribute('data-test') === 'unmuteMicButton' };
      }
      if (name === 'camera') {
        const wasOn = !!dt('leaveVideo');
        const b = dt('leaveVideo') || dt('joinVideo');
        if (!b) throw new Error('no camera button');
        b.click();
        if (!wasOn) {
          await kit.waitFor(function () { stepPreview(); return dt('leaveVideo'); }, 10000,
                            'the camera to be shared').catch(function () { return null; });
        }
        return { camera_off: !dt('leaveVideo') };
      }
      if (name === 'hand') {
        const b = await openHandMenu();
        if (!b) throw new Error('no raise-hand button (reactions menu)');
        const wasUp = handIsUp();
        b.click();
        await kit.waitFor(function () {
          const item = dt('raiseHandBtn') || dt('lowerHandBtn');
          return !item || handIsUp() !== wasUp;
        }, 3000).catch(function () { return null; });
        let up = handIsUp();
        if (!dt('raiseHandBtn') && !dt('lowerHandBtn')) up = !wasUp;  // the menu closed itself
        return { hand: up };
      }
      if (name === 'leave') return window.sipmediagwAdapter.leave();
      // Room → meeting (docs/content.md): the client's screen-share control; its
      // getDisplayMedia is answered by the media bridge with the room's content track.
      if (name === 'share_start' || name === 'share_stop') {
        const want = name === 'share_start';
        const b = dt(want ? 'startScreenShare' : 'stopScreenShare');
        if (!b) {
          if (dt(want ? 'stopScreenShare' : 'startScreenShare')) return { sharing: want };
          throw new Error('no screen-share button');
        }
        b.click();
        return { sharing: want };
      }
      throw new Error('BigBlueButton adapter has no "' + name + '"');
    },

    // Rows of the participants panel (2.6+/3.0: userListItem / userListItemCurrent), which API
    // joins open with userdata-bbb_show_participants_on_login. When the panel is not rendered
    // the count is unknown (null), never 0: the gateway then keeps its last answer instead of
    // thinking the caller is alone. Large meetings virtualise the list, so this may undercount,
    // but stays above 1 whenever others are there.
    participantCount: function () {
      const rows = document.querySelectorAll('[data-test="userListItem"], [data-test="userListItemCurrent"]');
      return rows.length > 0 ? rows.length : null;
    },
  };
})();
