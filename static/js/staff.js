// Staff attendance register: each tap saves its row at once (htmx posts the
// radio's row and swaps the row's status cell). Optimistic but never lying:
// the tapped choice shows at once with "Salvataggio…" in the row's status;
// only the server's answer says "Salvato". If the save fails (refused,
// server error, no network) the row goes back to what is really stored
// (data-stored, kept by the server's answers) and its status says so.
(function () {
  function row(e) { var el = e.detail && e.detail.elt; return el && el.closest && el.closest('tr[data-row]'); }
  function status(r) { return r.querySelector('.att-status'); }
  function revert(r, msg) {
    var was = r.dataset.stored || '';
    r.querySelectorAll('input[type=radio]').forEach(function (i) { i.checked = i.value === was; });
    r.classList.add('att-failed');
    status(r).textContent = msg || r.dataset.failed;
  }
  document.addEventListener('htmx:beforeRequest', function (e) {
    var r = row(e); if (!r) return;
    r.classList.remove('att-failed', 'att-saved');
    r.classList.add('att-saving');
    status(r).textContent = r.dataset.saving;
  });
  document.addEventListener('htmx:afterSwap', function (e) {
    var r = row(e); if (!r) return;
    r.classList.remove('att-saving');
    var ok = status(r).querySelector('[data-stored]');
    if (!ok) { revert(r, status(r).textContent); return; }
    r.dataset.stored = ok.dataset.stored;
    r.classList.add('att-saved');
  });
  ['htmx:responseError', 'htmx:sendError', 'htmx:timeout'].forEach(function (ev) {
    document.addEventListener(ev, function (e) {
      var r = row(e); if (!r) return;
      r.classList.remove('att-saving');
      revert(r);
    });
  });
})();
