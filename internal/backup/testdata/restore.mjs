// restore.mjs: a restore from the email address and password alone, with Web Crypto only, as a
// browser would do it: derive the keys, sign in, open the key file with internal/vault's
// webcrypto/vault.js, list the changes and decrypt every object (format 2 associated data,
// docs/FORMAT.md; tombstones and the account manifest are skipped). Prints the transcripts' JSON
// exports as a JSON array. Used by TestWebCryptoRestore.
//
//   node restore.mjs SERVER_URL EMAIL PASSWORD ITERATIONS
import { unwrapKey, ad } from "../../vault/webcrypto/vault.js";

const [server, email, password, iterations] = process.argv.slice(2);
const subtle = globalThis.crypto.subtle;
const utf8 = new TextEncoder();
const b64 = (u) => Buffer.from(u).toString("base64");
const unb64 = (s) => new Uint8Array(Buffer.from(s, "base64"));

const norm = email.trim().toLowerCase();
const saltInput = new Uint8Array([...utf8.encode("hushscribe-backup-v1"), 0, ...utf8.encode(norm)]);
const salt = new Uint8Array(await subtle.digest("SHA-256", saltInput));
const pw = await subtle.importKey("raw", utf8.encode(password), "PBKDF2", false, ["deriveBits"]);
const master = await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: Number(iterations) }, pw, 256);
const ikm = await subtle.importKey("raw", master, "HKDF", false, ["deriveBits"]);
const hkdf = async (info) =>
  new Uint8Array(await subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(), info: utf8.encode(info) }, ikm, 256));
const encKey = await hkdf("hushscribe-backup-v1 encryption");
const authKey = await hkdf("hushscribe-backup-v1 authentication");

async function call(path, init = {}) {
  const r = await fetch(server + path, init);
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status} ${await r.text()}`);
  return r;
}

const sess = await (
  await call("/v1/signin", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, auth_key: b64(authKey), device_name: "browser" }),
  })
).json();
const key = await unwrapKey(unb64(sess.key_file), encKey);
const auth = { authorization: "Bearer " + sess.token };

// Format 2 associated data: length-prefixed fields; ad(a, b) is two of them.
const concat = (...parts) => {
  const n = parts.reduce((m, p) => m + p.length, 0);
  const b = new Uint8Array(n);
  let i = 0;
  for (const p of parts) b.set(p, (i += p.length) - p.length);
  return b;
};
const ad2 = (kind, object, version) =>
  concat(ad("hushscribe-backup-v2", kind), ad(sess.account_id, object), ad("v" + version, "").slice(0, 8 + ("v" + version).length));

const out = [];
let cursor = "";
for (;;) {
  const page = await (await call("/v1/changes?since=" + cursor, { headers: auth })).json();
  for (const ch of page.changes) {
    if (ch.deleted) continue;
    const r = await call("/v1/objects/" + ch.id, { headers: auth });
    const version = r.headers.get("hushscribe-version");
    const envelope = new Uint8Array(await r.arrayBuffer());
    let doc = null;
    try {
      doc = JSON.parse(new TextDecoder().decode(await key.open(envelope, ad2("transcript", ch.id, version))));
    } catch {
      // A tombstone or the manifest: not a transcript (checked by opening it with its kind).
      for (const kind of ["tombstone", "manifest"]) {
        try {
          await key.open(envelope, ad2(kind, ch.id, version));
          doc = kind;
        } catch {}
      }
      if (doc === null) throw new Error(`object ${ch.id} v${version} does not authenticate`);
    }
    if (typeof doc === "object") out.push(doc);
  }
  cursor = page.cursor;
  if (!page.more) break;
}
console.log(JSON.stringify(out));
