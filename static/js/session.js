// Pages of a signed-in account: a page restored from the back/forward cache
// (e.g. Back after "Esci") is reloaded, so the server decides again whether
// it may be shown. Browsers keep such pages despite Cache-Control: no-store.
addEventListener('pageshow', function (e) { if (e.persisted) location.reload(); });
// An htmx swap that cannot reach the server (offline, server error) says so
// in the page's status region (#net-status in the layout); the next request
// clears it. A register row says it in its own status (staff.js).
(function () {
  function box() { return document.getElementById('net-status'); }
  function say(e) {
    var el = e.detail && e.detail.elt, b = box();
    if (!b || (el && el.closest && el.closest('tr[data-row]'))) return;
    b.textContent = e.type === 'htmx:responseError' ? b.getAttribute('data-server') : b.getAttribute('data-offline');
  }
  ['htmx:sendError', 'htmx:timeout', 'htmx:responseError'].forEach(function (t) { document.addEventListener(t, say); });
  document.addEventListener('htmx:beforeRequest', function () { var b = box(); if (b) b.textContent = ''; });
})();
