// Browser side of TestBrowserInterop: decrypts what Go sealed, checks the known-answer vectors,
// seals with webcrypto/vault.js for Go to open, and POSTs everything to /result.
import * as vault from "/vault.js";

const fromHex = (s) => new Uint8Array(s.match(/../g)?.map((h) => parseInt(h, 16)) ?? []);
const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

const checks = [];
async function check(name, fn) {
  try {
    const detail = await fn();
    checks.push({ name, ok: true, detail: String(detail ?? "") });
  } catch (e) {
    checks.push({ name, ok: false, detail: `${e?.name}: ${e?.message}` });
  }
}

function equalHex(got, want) {
  if (toHex(got) !== want) throw new Error(`got ${toHex(got)}, want ${want}`);
}

async function expectError(code, fn) {
  try {
    await fn();
  } catch (e) {
    if (e instanceof vault.VaultError && e.code === code) return `rejected: ${e.message}`;
    throw new Error(`want VaultError ${code}, got ${e?.name} ${e?.code}: ${e?.message}`);
  }
  throw new Error(`want VaultError ${code}, got success`);
}

async function run() {
  const f = await (await fetch("/fixtures.json")).json();
  const ad = fromHex(f.ad);
  const result = { checks };

  await check("ad() matches Go's AD()", () => equalHex(vault.ad(f.transcript_id, f.field), f.ad));
  await check("openWithPassword(Go password envelope)", async () =>
    equalHex(await vault.openWithPassword(f.password, fromHex(f.password_envelope), ad), f.plaintext));
  await check("openWithPassword(Go password envelope), wrong password", () =>
    expectError(vault.ERR_WRONG_PASSWORD, () => vault.openWithPassword(f.password + "x", fromHex(f.password_envelope), ad)));

  let key;
  await check("unwrapKey(Go key file)", async () => {
    key = await vault.unwrapKey(fromHex(f.key_file), f.password);
  });
  await check("unwrapKey(Go key file), wrong password", () =>
    expectError(vault.ERR_WRONG_PASSWORD, () => vault.unwrapKey(fromHex(f.key_file), "not the password")));
  await check("unwrapKey(Go key file), ciphertext modified", () => {
    const kf = fromHex(f.key_file);
    kf[60] ^= 1;
    return expectError(vault.ERR_TAMPERED, () => vault.unwrapKey(kf, f.password));
  });
  await check("openWithKey(Go data envelope)", async () =>
    equalHex(await vault.openWithKey(key, fromHex(f.data_envelope), ad), f.plaintext));
  await check("openWithKey(Go empty data envelope)", async () =>
    equalHex(await vault.openWithKey(key, fromHex(f.empty_data_envelope), ad), ""));
  await check("openWithKey(Go data envelope), swapped field", () =>
    expectError(vault.ERR_TAMPERED, () => vault.openWithKey(key, fromHex(f.data_envelope), vault.ad(f.transcript_id, "title"))));

  // Known-answer vectors.
  const v = f.vectors;
  for (const kv of v.key_files) {
    await check(`vector key file: ${kv.name}`, async () => {
      const k = await vault.unwrapKey(fromHex(kv.expected), kv.password);
      const probe = await vault.sealWithKey(k, new Uint8Array([1, 2, 3]), null);
      const k2 = await vault.importKey(fromHex(kv.dek));
      equalHex(await vault.openWithKey(k2, probe, null), "010203");
    });
  }
  for (const pv of v.password_envelopes) {
    await check(`vector password envelope: ${pv.name}`, async () =>
      equalHex(await vault.openWithPassword(pv.password, fromHex(pv.expected), fromHex(pv.ad)), pv.plaintext));
  }
  for (const dv of v.data_envelopes) {
    await check(`vector data envelope: ${dv.name}`, async () => {
      const k = await vault.importKey(fromHex(dv.dek));
      equalHex(await vault.openWithKey(k, fromHex(dv.expected), fromHex(dv.ad)), dv.plaintext);
    });
  }
  for (const av of v.ad) {
    await check(`vector ad: ${JSON.stringify([av.transcript_id, av.field])}`, () =>
      equalHex(vault.ad(av.transcript_id, av.field), av.expected));
  }
  for (const ev of v.errors) {
    await check(`vector error: ${ev.name}`, () =>
      expectError(ev.error, async () => {
        const input = fromHex(ev.input);
        if (ev.kind === "key_file") return vault.unwrapKey(input, ev.password);
        if (ev.kind === "password_envelope") return vault.openWithPassword(ev.password, input, fromHex(ev.ad));
        return vault.openWithKey(await vault.importKey(fromHex(ev.dek)), input, fromHex(ev.ad));
      }));
  }

  // Browser seals; Go opens.
  await check("sealWithPassword", async () => {
    result.password_envelope = toHex(
      await vault.sealWithPassword(f.password, fromHex(f.plaintext), ad, { iterations: f.iterations }));
  });
  await check("sealWithKey", async () => {
    result.data_envelope = toHex(await vault.sealWithKey(key, fromHex(f.plaintext), ad));
  });
  await check("sealWithPassword refuses 99999 iterations", () =>
    expectError(vault.ERR_WEAK_PARAMS, () => vault.sealWithPassword(f.password, new Uint8Array(1), ad, { iterations: 99999 })));
  await check("destroyed key refuses", () => {
    const k = key;
    k.destroy();
    return expectError(vault.ERR_DESTROYED, () => vault.sealWithKey(k, new Uint8Array(1), ad));
  });
  return result;
}

let body;
try {
  body = await run();
} catch (e) {
  body = { error: `${e?.name}: ${e?.message}\n${e?.stack}`, checks };
}
await fetch("/result", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
