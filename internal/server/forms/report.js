// The report form's proof of work: before the form is sent, find a nonce
// such that SHA-256(challenge + ":" + nonce) starts with the number of
// zero bits the server asks (see docs/SECURITY.md). A fresh challenge is
// fetched at each send, so that a page left open does not expire. SHA-256
// is computed here rather than by crypto.subtle, which browsers offer
// only over HTTPS and which is slow one hash at a time.
(function () {
  'use strict';
  var form = document.getElementById('report-form');
  if (!form) return;
  var status = document.getElementById('pow-status');
  // The page's words for the status line, in its language (data-*).
  function say(key) { return form.dataset[key] || key; }

  var K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
  var W = new Uint32Array(64);

  // sha256 returns the first 32-bit word of the hash of an ASCII string
  // and, in out, all eight words.
  function sha256(str, out) {
    var n = str.length, total = ((n + 9 + 63) >> 6) << 6;
    var buf = new Uint8Array(total);
    for (var i = 0; i < n; i++) buf[i] = str.charCodeAt(i) & 0xff;
    buf[n] = 0x80;
    var bitLen = n * 8;
    buf[total - 4] = (bitLen >>> 24) & 0xff; buf[total - 3] = (bitLen >>> 16) & 0xff;
    buf[total - 2] = (bitLen >>> 8) & 0xff; buf[total - 1] = bitLen & 0xff;
    var h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a,
        h4 = 0x510e527f, h5 = 0x9b05688c, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
    for (var off = 0; off < total; off += 64) {
      for (var t = 0; t < 16; t++) {
        var j = off + t * 4;
        W[t] = (buf[j] << 24) | (buf[j + 1] << 16) | (buf[j + 2] << 8) | buf[j + 3];
      }
      for (t = 16; t < 64; t++) {
        var x = W[t - 15], y = W[t - 2];
        var s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        var s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
      }
      var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
      for (t = 0; t < 64; t++) {
        var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        var ch = (e & f) ^ (~e & g);
        var t1 = (h + S1 + ch + K[t] + W[t]) | 0;
        var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        var maj = (a & b) ^ (a & c) ^ (b & c);
        var t2 = (S0 + maj) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
      h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
    }
    if (out) { out[0] = h0; out[1] = h1; out[2] = h2; out[3] = h3; out[4] = h4; out[5] = h5; out[6] = h6; out[7] = h7; }
    return h0 >>> 0;
  }
  // Exposed for the browser test, which checks it against known hashes.
  window.vigilSHA256 = function (s) {
    var out = new Uint32Array(8); sha256(s, out);
    var hex = '';
    for (var i = 0; i < 8; i++) hex += ('00000000' + out[i].toString(16)).slice(-8);
    return hex;
  };

  function zeroBits(s, need) {
    var out = new Uint32Array(8);
    sha256(s, out);
    for (var i = 0; i < 8 && need > 0; i++) {
      if (need >= 32) { if (out[i] !== 0) return false; need -= 32; continue; }
      return (out[i] >>> (32 - need)) === 0;
    }
    return true;
  }

  // solve works in slices so that the page stays responsive.
  function solve(challenge, bits, done) {
    var nonce = 0;
    (function step() {
      for (var k = 0; k < 20000; k++, nonce++) {
        if (zeroBits(challenge + ':' + nonce, bits)) { done(String(nonce)); return; }
      }
      status.textContent = say('checking') + ' (' + nonce + ')';
      setTimeout(step, 0);
    })();
  }

  var solved = false;
  form.addEventListener('submit', function (ev) {
    if (solved) return;
    ev.preventDefault();
    status.textContent = say('checking');
    fetch('/api/report/challenge', { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (c) {
        solve(c.challenge, c.bits, function (nonce) {
          form.elements.pow_challenge.value = c.challenge;
          form.elements.pow_nonce.value = nonce;
          solved = true;
          status.textContent = say('sending');
          form.submit();
        });
      })
      .catch(function (err) { status.textContent = say('failed') + ' (' + err.message + ')'; });
  });
})();
