// Hushscribe vault format version 1 for the browser, using only Web Crypto (crypto.subtle).
//
// This is the browser counterpart of the Go package internal/vault; both implement docs/FORMAT.md
// and are tested against each other (TestBrowserInterop) and against testdata/vectors.json.
// Plain ES module, no dependencies. Web Crypto needs a secure context (https, localhost or
// 127.0.0.1).
//
// Binary values are Uint8Array. Passwords are strings (encoded as UTF-8, not normalized, exactly as
// the Go side receives them) or Uint8Array. Failures throw VaultError, whose .code is one of the
// ERR_* constants below (the Go sentinel errors ErrWrongPassword, ErrTampered, ...).

export const VERSION = 1;
export const DEFAULT_ITERATIONS = 600000;
export const MIN_ITERATIONS = 100000;
export const MAX_ITERATIONS = 10000000;
export const MAX_SEALS_PER_KEY = 2 ** 30;

export const ERR_WRONG_PASSWORD = "wrong-password";
export const ERR_TAMPERED = "tampered";
export const ERR_UNSUPPORTED_VERSION = "unsupported-version";
export const ERR_WEAK_PARAMS = "weak-params";
export const ERR_DESTROYED = "destroyed";
export const ERR_KEY_EXHAUSTED = "key-exhausted";

export class VaultError extends Error {
  constructor(code, message) {
    super(`vault: ${message}`);
    this.name = "VaultError";
    this.code = code;
  }
}

const MAGIC_KEY_FILE = "HSKY";
const MAGIC_PASSWORD_ENVELOPE = "HSPE";
const MAGIC_DATA_ENVELOPE = "HSDE";
const INFO_CHECK = "hushscribe/vault/v1 password check";
const INFO_PASSWORD_KEY = "hushscribe/vault/v1 password key";
const INFO_DATA_KEY = "hushscribe/vault/v1 data key";

const SALT_SIZE = 16;
const CHECK_SIZE = 16;
const NONCE_SIZE = 12;
const TAG_SIZE = 16;
const KEY_SIZE = 32;
const PASSWORD_HEADER_SIZE = 4 + 1 + 4 + SALT_SIZE + CHECK_SIZE + NONCE_SIZE; // 53
const DATA_HEADER_SIZE = 4 + 1 + NONCE_SIZE; // 17
const KEY_FILE_SIZE = PASSWORD_HEADER_SIZE + KEY_SIZE + TAG_SIZE; // 101

const subtle = globalThis.crypto.subtle;
const utf8 = new TextEncoder();
const EMPTY = new Uint8Array(0);

function bytes(b, what) {
  if (b === undefined || b === null) return EMPTY;
  if (b instanceof Uint8Array) return b;
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  throw new TypeError(`vault: ${what} must be a Uint8Array`);
}

function passwordBytes(password) {
  return typeof password === "string" ? utf8.encode(password) : bytes(password, "password");
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

// ad returns the canonical associated data binding a data envelope to one field of one transcript:
// uint64 BE len(id) || id || uint64 BE len(field) || field, with strings encoded as UTF-8.
export function ad(transcriptId, field) {
  const id = utf8.encode(transcriptId);
  const f = utf8.encode(field);
  const out = new Uint8Array(16 + id.length + f.length);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(id.length));
  out.set(id, 8);
  dv.setBigUint64(8 + id.length, BigInt(f.length));
  out.set(f, 16 + id.length);
  return out;
}

function checkPrefix(b, magic, kind) {
  if (b.length < 5) throw new VaultError(ERR_TAMPERED, `${kind} truncated to ${b.length} bytes`);
  for (let i = 0; i < 4; i++) {
    if (b[i] !== magic.charCodeAt(i)) throw new VaultError(ERR_TAMPERED, `not a ${kind}`);
  }
  if (b[4] !== VERSION) {
    throw new VaultError(ERR_UNSUPPORTED_VERSION, `${kind} version ${b[4]}, this program reads version ${VERSION}`);
  }
}

function checkIterations(n) {
  if (!Number.isInteger(n) || n < MIN_ITERATIONS) {
    throw new VaultError(ERR_WEAK_PARAMS, `${n} PBKDF2 iterations, need at least ${MIN_ITERATIONS}`);
  }
  if (n > MAX_ITERATIONS) {
    throw new VaultError(ERR_UNSUPPORTED_VERSION, `${n} PBKDF2 iterations, this version reads at most ${MAX_ITERATIONS}`);
  }
}

function hkdfParams(info) {
  return { name: "HKDF", hash: "SHA-256", salt: EMPTY, info: utf8.encode(info) };
}

const AES_GCM = { name: "AES-GCM", length: 256 };

// deriveKeys: pk = PBKDF2-HMAC-SHA256(password, salt, iterations, 32);
// check = HKDF(pk, "…password check", 16); kek = HKDF(pk, "…password key", 32).
async function deriveKeys(password, salt, iterations) {
  const pwKey = await subtle.importKey("raw", passwordBytes(password), "PBKDF2", false, ["deriveBits"]);
  const pk = new Uint8Array(
    await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, pwKey, 256),
  );
  try {
    const ikm = await subtle.importKey("raw", pk, "HKDF", false, ["deriveBits", "deriveKey"]);
    const check = new Uint8Array(await subtle.deriveBits(hkdfParams(INFO_CHECK), ikm, CHECK_SIZE * 8));
    const kek = await subtle.deriveKey(hkdfParams(INFO_PASSWORD_KEY), ikm, AES_GCM, false, ["encrypt", "decrypt"]);
    return { check, kek };
  } finally {
    pk.fill(0);
  }
}

function constantTimeEqual(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

async function gcmOpen(key, nonce, ciphertext, additionalData, what) {
  try {
    return new Uint8Array(
      await subtle.decrypt({ name: "AES-GCM", iv: nonce, additionalData, tagLength: 128 }, key, ciphertext),
    );
  } catch {
    throw new VaultError(ERR_TAMPERED, `${what} does not authenticate`);
  }
}

async function gcmSeal(key, nonce, plaintext, additionalData) {
  return new Uint8Array(
    await subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData, tagLength: 128 }, key, plaintext),
  );
}

async function openPassword(magic, kind, password, blob, adBytes) {
  checkPrefix(blob, magic, kind);
  if (blob.length < PASSWORD_HEADER_SIZE + TAG_SIZE) {
    throw new VaultError(ERR_TAMPERED, `${kind} truncated to ${blob.length} bytes`);
  }
  const header = blob.subarray(0, PASSWORD_HEADER_SIZE);
  const iterations = new DataView(header.buffer, header.byteOffset, header.length).getUint32(5);
  checkIterations(iterations);
  const salt = header.subarray(9, 25);
  const check = header.subarray(25, 41);
  const nonce = header.subarray(41, 53);
  const keys = await deriveKeys(password, salt, iterations);
  if (!constantTimeEqual(check, keys.check)) throw new VaultError(ERR_WRONG_PASSWORD, "wrong password");
  return gcmOpen(keys.kek, nonce, blob.subarray(PASSWORD_HEADER_SIZE), concat(header, adBytes), kind);
}

async function sealPassword(magic, password, plaintext, adBytes, iterations) {
  checkIterations(iterations);
  const pw = passwordBytes(password);
  if (pw.length === 0) throw new VaultError(ERR_WEAK_PARAMS, "empty password");
  const header = new Uint8Array(PASSWORD_HEADER_SIZE);
  for (let i = 0; i < 4; i++) header[i] = magic.charCodeAt(i);
  header[4] = VERSION;
  new DataView(header.buffer).setUint32(5, iterations);
  const salt = header.subarray(9, 25);
  const nonce = header.subarray(41, 53);
  crypto.getRandomValues(salt);
  crypto.getRandomValues(nonce);
  const keys = await deriveKeys(pw, salt, iterations);
  header.set(keys.check, 25);
  return concat(header, await gcmSeal(keys.kek, nonce, plaintext, concat(header, adBytes)));
}

// sealWithPassword encrypts plaintext into a self-contained password envelope bound to ad.
// options.iterations defaults to DEFAULT_ITERATIONS (600,000).
export async function sealWithPassword(password, plaintext, adBytes, options = {}) {
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  return sealPassword(MAGIC_PASSWORD_ENVELOPE, password, bytes(plaintext, "plaintext"), bytes(adBytes, "ad"), iterations);
}

// openWithPassword decrypts a password envelope (made here or by Go's vault.SealWithPassword).
export async function openWithPassword(password, envelope, adBytes) {
  return openPassword(MAGIC_PASSWORD_ENVELOPE, "password envelope", password, bytes(envelope, "envelope"), bytes(adBytes, "ad"));
}

// VaultKey is an unwrapped data key. It holds only a non-extractable AES-GCM CryptoKey (the data
// subkey); the raw data key is zeroed after derivation.
export class VaultKey {
  #key;
  #sealed = 0;
  constructor(cryptoKey) {
    this.#key = cryptoKey;
  }
  static async fromRaw(dek) {
    dek = bytes(dek, "key");
    if (dek.length !== KEY_SIZE) throw new VaultError(ERR_TAMPERED, `key is ${dek.length} bytes, want ${KEY_SIZE}`);
    const ikm = await subtle.importKey("raw", dek, "HKDF", false, ["deriveKey"]);
    return new VaultKey(await subtle.deriveKey(hkdfParams(INFO_DATA_KEY), ikm, AES_GCM, false, ["encrypt", "decrypt"]));
  }
  async seal(plaintext, adBytes) {
    if (!this.#key) throw new VaultError(ERR_DESTROYED, "key was destroyed");
    if (++this.#sealed > MAX_SEALS_PER_KEY) throw new VaultError(ERR_KEY_EXHAUSTED, "key sealed too many messages");
    const header = new Uint8Array(DATA_HEADER_SIZE);
    for (let i = 0; i < 4; i++) header[i] = MAGIC_DATA_ENVELOPE.charCodeAt(i);
    header[4] = VERSION;
    const nonce = header.subarray(5);
    crypto.getRandomValues(nonce);
    return concat(header, await gcmSeal(this.#key, nonce, bytes(plaintext, "plaintext"), concat(header, bytes(adBytes, "ad"))));
  }
  async open(envelope, adBytes) {
    if (!this.#key) throw new VaultError(ERR_DESTROYED, "key was destroyed");
    envelope = bytes(envelope, "envelope");
    checkPrefix(envelope, MAGIC_DATA_ENVELOPE, "data envelope");
    if (envelope.length < DATA_HEADER_SIZE + TAG_SIZE) {
      throw new VaultError(ERR_TAMPERED, `data envelope truncated to ${envelope.length} bytes`);
    }
    const header = envelope.subarray(0, DATA_HEADER_SIZE);
    return gcmOpen(this.#key, header.subarray(5), envelope.subarray(DATA_HEADER_SIZE), concat(header, bytes(adBytes, "ad")), "data envelope");
  }
  // destroy drops the reference to the CryptoKey; later use throws ERR_DESTROYED.
  destroy() {
    this.#key = null;
  }
}

// unwrapKey decrypts a key file (Go's vault.NewKey/Rewrap output) with password.
export async function unwrapKey(wrapped, password) {
  wrapped = bytes(wrapped, "key file");
  checkPrefix(wrapped, MAGIC_KEY_FILE, "key file");
  if (wrapped.length !== KEY_FILE_SIZE) {
    throw new VaultError(ERR_TAMPERED, `key file is ${wrapped.length} bytes, want ${KEY_FILE_SIZE}`);
  }
  const dek = await openPassword(MAGIC_KEY_FILE, "key file", password, wrapped, EMPTY);
  try {
    return await VaultKey.fromRaw(dek);
  } finally {
    dek.fill(0);
  }
}

// importKey turns a raw 32-byte data key (Go's Key.Export) into a VaultKey.
export async function importKey(raw) {
  return VaultKey.fromRaw(raw);
}

// sealWithKey encrypts plaintext into a data envelope bound to ad (normally ad(transcriptId, field)).
export async function sealWithKey(key, plaintext, adBytes) {
  return key.seal(plaintext, adBytes);
}

// openWithKey decrypts a data envelope made here or by Go's Key.Seal.
export async function openWithKey(key, envelope, adBytes) {
  return key.open(envelope, adBytes);
}
