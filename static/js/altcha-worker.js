// Minimal ALTCHA solver (docs/architecture.md#captcha): finds n with SHA-256(salt + n) == challenge.
self.onmessage = async function (e) {
  var c = e.data, enc = new TextEncoder();
  for (var n = 0; n <= c.maxNumber; n++) {
    var buf = await crypto.subtle.digest('SHA-256', enc.encode(c.salt + n));
    var b = new Uint8Array(buf), hex = '';
    for (var i = 0; i < b.length; i++) hex += (b[i] < 16 ? '0' : '') + b[i].toString(16);
    if (hex === c.challenge) { self.postMessage({ number: n }); return; }
  }
  self.postMessage({ number: -1 });
};
