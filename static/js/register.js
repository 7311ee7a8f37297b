// Registration page: the privacy notice in a native modal <dialog> (the link
// still works without JS), and the ALTCHA proof-of-work solved in a worker.
(function () {
  'use strict';
  function privacyDialog() {
    var link = document.querySelector('a[data-dialog]');
    var dlg = link && document.getElementById(link.getAttribute('data-dialog'));
    if (!dlg || typeof dlg.showModal !== 'function') return;
    var note = link.querySelector('[data-dialog-note]');
    if (note) note.textContent = note.getAttribute('data-dialog-note');
    link.removeAttribute('target');
    var body = dlg.querySelector('.dialog__body'), loaded = false;
    link.addEventListener('click', function (ev) {
      ev.preventDefault();
      var open = function () { dlg.showModal(); dlg.querySelector('[data-dialog-close]').focus(); };
      if (loaded) { open(); return; }
      fetch(link.href, { headers: { 'HX-Request': 'true' }, credentials: 'same-origin' })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, 'text/html');
          var h1 = doc.querySelector('h1'); if (h1) h1.remove();
          body.replaceChildren.apply(body, Array.prototype.slice.call(doc.body.childNodes));
          loaded = true; open();
        })
        .catch(function () { window.open(link.href, '_blank', 'noopener'); });
    });
    dlg.querySelector('[data-dialog-close]').addEventListener('click', function () { dlg.close(); });
    dlg.addEventListener('close', function () { link.focus(); });
  }
  function captcha() {
    var box = document.getElementById('captcha');
    if (!box || !window.Worker || !window.crypto || !crypto.subtle) return;
    var ch, status = document.getElementById('captcha-status');
    try { ch = JSON.parse(box.getAttribute('data-altcha-challenge')); } catch (e) { return; }
    var w;
    try { w = new Worker(box.getAttribute('data-altcha-worker')); } catch (e) { return; }
    status.textContent = box.getAttribute('data-msg-working');
    w.onmessage = function (e) {
      w.terminate();
      if (e.data.number < 0) { status.textContent = box.getAttribute('data-msg-failed'); return; }
      var payload = { algorithm: ch.algorithm, challenge: ch.challenge, number: e.data.number, salt: ch.salt, signature: ch.signature };
      box.querySelector('input[name=altcha]').value = btoa(JSON.stringify(payload));
      var fb = document.getElementById('captcha-fallback');
      if (fb && document.activeElement && fb.contains(document.activeElement)) {
        // the user is answering: leave the question where it is
      } else if (fb) { fb.hidden = true; }
      status.textContent = box.getAttribute('data-msg-done');
    };
    w.onerror = function () { status.textContent = box.getAttribute('data-msg-failed'); };
    w.postMessage(ch);
  }
  // With htmx the availability check answers under the field: no new tab.
  function usernameCheck() {
    var b = document.getElementById('username-check');
    if (!b || !window.htmx) return;
    b.removeAttribute('formtarget');
    var note = b.querySelector('[data-nojs-note]');
    if (note) note.remove();
  }
  // A live check that cannot reach the server says so in the page's status
  // region (#net-status in the layout), as on the signed-in pages.
  function networkErrors() {
    var b = document.getElementById('net-status');
    if (!b) return;
    ['htmx:sendError', 'htmx:timeout', 'htmx:responseError'].forEach(function (t) {
      document.addEventListener(t, function (e) {
        b.textContent = e.type === 'htmx:responseError' ? b.getAttribute('data-server') : b.getAttribute('data-offline');
      });
    });
    document.addEventListener('htmx:beforeRequest', function () { b.textContent = ''; });
  }
  function init() { privacyDialog(); captcha(); usernameCheck(); networkErrors(); }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
