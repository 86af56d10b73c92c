// certa offline seal verifier: checks the seal of a scanned QR code in the
// browser, against the seal certificates fetched once from this server and
// kept in localStorage. No request leaves the page during a check.
'use strict';

const B45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

function b45decode(s) {
  const out = [];
  for (let i = 0; i < s.length; i += 3) {
    const c = [];
    for (let j = i; j < i + 3 && j < s.length; j++) {
      const v = B45.indexOf(s[j]);
      if (v < 0) throw new Error('base45');
      c.push(v);
    }
    if (c.length === 1) throw new Error('base45');
    const n = c[0] + c[1] * 45 + (c.length === 3 ? c[2] * 2025 : 0);
    if (c.length === 3) {
      if (n > 65535) throw new Error('base45');
      out.push(n >> 8, n & 255);
    } else {
      if (n > 255) throw new Error('base45');
      out.push(n);
    }
  }
  return new Uint8Array(out);
}

async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
  const buf = new Uint8Array(await new Response(stream).arrayBuffer());
  if (buf.length > 4096) throw new Error('too large');
  return buf;
}

// A CBOR decoder for what seals use: integers, byte and text strings,
// arrays, maps (as Map), tags ({tag, value}). Anything else is an error.
function cborDecode(bytes) {
  let p = 0;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  function arg(info) {
    if (info < 24) return info;
    if (info === 24) return bytes[p++];
    if (info === 25) { const v = dv.getUint16(p); p += 2; return v; }
    if (info === 26) { const v = dv.getUint32(p); p += 4; return v; }
    if (info === 27) { const v = Number(dv.getBigUint64(p)); p += 8; return v; }
    throw new Error('cbor');
  }
  function item(depth) {
    if (depth > 8 || p >= bytes.length) throw new Error('cbor');
    const b = bytes[p++], major = b >> 5, n = arg(b & 31);
    switch (major) {
      case 0: return n;
      case 1: return -1 - n;
      case 2: { if (p + n > bytes.length) throw new Error('cbor'); const v = bytes.slice(p, p + n); p += n; return v; }
      case 3: { if (p + n > bytes.length) throw new Error('cbor'); const v = new TextDecoder('utf-8', {fatal: true}).decode(bytes.subarray(p, p + n)); p += n; return v; }
      case 4: { const a = []; for (let i = 0; i < n; i++) a.push(item(depth + 1)); return a; }
      case 5: { const m = new Map(); for (let i = 0; i < n; i++) { const k = item(depth + 1); m.set(k, item(depth + 1)); } return m; }
      case 6: return {tag: n, value: item(depth + 1)};
    }
    throw new Error('cbor');
  }
  const v = item(0);
  if (p !== bytes.length) throw new Error('cbor: trailing bytes');
  return v;
}

function cborHead(major, n) {
  if (n < 24) return [(major << 5) | n];
  if (n < 256) return [(major << 5) | 24, n];
  return [(major << 5) | 25, n >> 8, n & 255];
}

// The COSE Sig_structure ["Signature1", protected, h'', payload].
function sigStructure(prot, payload) {
  const ctx = new TextEncoder().encode('Signature1');
  const parts = [[0x84], cborHead(3, ctx.length), ctx, cborHead(2, prot.length), prot, [0x40], cborHead(2, payload.length), payload];
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of parts) { out.set(x, o); o += x.length; }
  return out;
}

// The SubjectPublicKeyInfo of a DER certificate.
function spkiOf(der) {
  let p = 0;
  function tlv() {
    const tag = der[p++];
    let len = der[p++];
    if (len & 0x80) { const k = len & 0x7f; len = 0; for (let i = 0; i < k; i++) len = len * 256 + der[p++]; }
    const start = p;
    return {tag, start, end: start + len};
  }
  tlv();               // Certificate
  tlv();               // tbsCertificate
  let f = tlv();
  if (f.tag === 0xa0) { p = f.end; f = tlv(); } // [0] version
  p = f.end;           // serialNumber
  for (let i = 0; i < 4; i++) { const t = tlv(); p = t.end; } // signature, issuer, validity, subject
  const hdr = p, spki = tlv();
  return der.slice(hdr, spki.end);
}

const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const fromB64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const day = (n) => new Date(n * 86400000);
const show = (d) => d.toISOString().slice(8, 10) + '/' + d.toISOString().slice(5, 7) + '/' + d.toISOString().slice(0, 4);

async function trustList(refresh) {
  const cached = localStorage.getItem('certa-trust-list');
  if (cached && !refresh) {
    const tl = JSON.parse(cached);
    if (new Date(tl.expires) > new Date()) return tl;
  }
  const r = await fetch('/.well-known/certa/trust-list', {headers: {Accept: 'application/json'}});
  if (!r.ok) throw new Error('trust list: HTTP ' + r.status);
  const tl = await r.json();
  localStorage.setItem('certa-trust-list', JSON.stringify(tl));
  return tl;
}

function parseURL(text) {
  const m = /^https?:\/\/[^\/]+\/v\/([0-9A-Za-z-]+)\/([^?#]+)$/i.exec(text.trim());
  if (!m) throw new Error('url');
  const payload = m[2].replace(/%(25|20|2F)/gi, (_, h) => ({'25': '%', '20': ' ', '2F': '/'})[h.toUpperCase()]);
  return {code: m[1].toUpperCase(), payload};
}

async function verify(text, tl) {
  const {code, payload} = parseURL(text);
  let raw = b45decode(payload);
  if (raw[0] === 0x78) raw = await inflate(raw);
  const cose = cborDecode(raw);
  if (!cose || cose.tag !== 18 || !Array.isArray(cose.value) || cose.value.length !== 4) throw new Error('cose');
  const [prot, , body, sig] = cose.value;
  const hdr = cborDecode(prot);
  if (hdr.get(1) !== -7 || !(hdr.get(4) instanceof Uint8Array) || sig.length !== 64) throw new Error('cose header');
  const kid = hex(hdr.get(4));
  const entry = tl.entries.find((e) => e.kid === kid);
  if (!entry) return {ok: false, why: 'untrusted'};
  const key = await crypto.subtle.importKey('spki', spkiOf(fromB64(entry.certificate)), {name: 'ECDSA', namedCurve: 'P-256'}, false, ['verify']);
  const good = await crypto.subtle.verify({name: 'ECDSA', hash: 'SHA-256'}, key, sig, sigStructure(prot, body));
  if (!good) return {ok: false, why: 'untrusted'};
  const c = cborDecode(body);
  if (c.get(2) !== code) return {ok: false, why: 'mismatch'};
  // The seal certificate must be valid on the issue day.
  const issued = c.get(6) * 86400000;
  if (issued > Date.parse(entry.not_after) || issued + 86400000 < Date.parse(entry.not_before)) return {ok: false, why: 'untrusted'};
  const now = new Date(), today = Math.floor(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()) / 86400000);
  return {ok: true, expired: today > c.get(7), sealedBy: entry.subject_cn, claims: c};
}

const $ = (id) => document.getElementById(id);
const T = {
  valid: 'Sigillo autentico / Authentic seal',
  expired: 'Sigillo autentico ma scaduto / Authentic seal, expired',
  untrusted: 'Sigillo NON autentico / Seal NOT authentic',
  mismatch: 'Il sigillo non corrisponde al codice / The seal does not match the code',
  malformed: 'Testo non valido: non è un sigillo certa / Not a certa seal',
};
const LABELS = {2: 'Codice / Code', 3: 'Tipo / Type', 5: 'Comune', 8: 'Intestatario / Holder', 9: 'Nato il / Born', 6: 'Rilasciato il / Issued', 7: 'Valido fino al / Valid until'};

async function run() {
  const out = $('result');
  out.replaceChildren();
  let res;
  try {
    res = await verify($('qr').value, await trustList(false));
  } catch (e) {
    res = {ok: false, why: 'malformed'};
  }
  const h = document.createElement('h2');
  h.textContent = res.ok ? (res.expired ? T.expired : T.valid) : T[res.why];
  out.className = 'status ' + (res.ok && !res.expired ? 'ok' : 'bad');
  out.append(h);
  if (!res.ok) return;
  const dl = document.createElement('dl');
  const add = (k, v) => { const dt = document.createElement('dt'); dt.textContent = k; const dd = document.createElement('dd'); dd.textContent = v; dl.append(dt, dd); };
  for (const k of [2, 3, 5, 8, 9, 6, 7]) {
    const v = res.claims.get(k);
    add(LABELS[k], [6, 7, 9].includes(k) ? show(day(v)) : String(v));
  }
  const facts = res.claims.get(10);
  if (facts instanceof Map) for (const [k, v] of facts) add(k, v);
  add('Sigillato da / Sealed by', res.sealedBy);
  out.append(dl);
  const p = document.createElement('p');
  p.textContent = 'La revoca si verifica solo online. / Revocation can only be checked online.';
  out.append(p);
}

$('form').addEventListener('submit', (e) => { e.preventDefault(); run(); });
$('refresh').addEventListener('click', async () => {
  try {
    const tl = await trustList(true);
    $('trust').textContent = 'Certificati di sigillo: ' + tl.entries.length + ', validi fino al / valid until ' + show(new Date(tl.expires));
  } catch (e) {
    $('trust').textContent = 'Elenco non disponibile / List not available';
  }
});
trustList(false).then((tl) => {
  $('trust').textContent = 'Certificati di sigillo: ' + tl.entries.length + ', validi fino al / valid until ' + show(new Date(tl.expires));
  document.body.dataset.ready = '1';
}).catch(() => { $('trust').textContent = 'Elenco non disponibile / List not available'; document.body.dataset.ready = '1'; });
