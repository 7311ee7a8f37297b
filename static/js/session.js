// Pages of a signed-in account: a page restored from the back/forward cache
// (e.g. Back after "Esci") is reloaded, so the server decides again whether
// it may be shown. Browsers keep such pages despite Cache-Control: no-store.
addEventListener('pageshow', function (e) { if (e.persisted) location.reload(); });
