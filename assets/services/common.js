// Shared helpers for the service adapters; injected before <service>.js in the meeting page.
// The gateway talks to the page only through window.sipmediagwAdapter (see docs/services.md)
// and hears back through the DevTools binding window.sipmediagwEvent(jsonString).
(function () {
  'use strict';
  if (window.sipmediagwKit) return;

  function emit(type, detail) {
    const payload = JSON.stringify({ type: type, detail: detail === undefined ? null : detail });
    if (typeof window.sipmediagwEvent === 'function') {
      window.sipmediagwEvent(payload);
    } else {
      // The binding is added before navigation; keep the event until it shows up.
      (window.__sipmediagwPending = window.__sipmediagwPending || []).push(payload);
    }
  }

  // Polls cond() until it returns something truthy; pages render asynchronously and no
  // framework event covers every service.
  function waitFor(cond, timeoutMs, what) {
    const deadline = Date.now() + (timeoutMs || 30000);
    return new Promise(function (resolve, reject) {
      (function poll() {
        let v = null;
        try { v = cond(); } catch (e) { v = null; }
        if (v) { resolve(v); return; }
        if (Date.now() > deadline) {
          reject(new Error('timed out waiting for ' + (what || 'the page')));
          return;
        }
        setTimeout(poll, 100);
      })();
    });
  }

  function visible(el) {
    if (!el) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  }

  // Sets an input's value the way a typing user would, so React/Vue state sees it.
  function typeInto(input, value) {
    const proto = Object.getPrototypeOf(input);
    const setter = Object.getOwnPropertyDescriptor(proto, 'value');
    if (setter && setter.set) setter.set.call(input, value); else input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }

  function buttonWithText(re) {
    const buttons = Array.from(document.querySelectorAll('button, [role="button"], input[type=submit]'));
    return buttons.find(function (b) { return visible(b) && re.test(b.textContent || b.value || ''); });
  }

  window.sipmediagwKit = { emit: emit, waitFor: waitFor, visible: visible, typeInto: typeInto,
                           buttonWithText: buttonWithText };
})();
