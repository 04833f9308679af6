import { describe, expect, it } from "vitest";
import { accountProblem, normalizeFingerprint, reportSummary, statusLine } from "./backup";
import type { BackupReport, BackupStatus } from "./api";

const fp = "AB:".repeat(31) + "AB";
const ok = { server: "https://backup.example.org", fingerprint: "", email: "a@example.org", password: "pw" };
const zero = "0001-01-01T00:00:00Z";
const base: BackupStatus = {
  available: true, enabled: true, server: ok.server, fingerprint: "", email: ok.email, deviceId: "d1",
  lastSync: zero, syncing: false, lastReport: null as unknown as BackupReport, lastError: "", offline: false, signedOut: false, lastTry: zero,
  remember: false, pendingDowngrades: [], tampered: false,
};
const report = (r: Partial<BackupReport>): BackupReport => ({ pushed: 0, pulled: 0, deletedLocal: 0, deletedRemote: 0, conflicts: 0, skipped: 0, damaged: 0, ...r });

describe("backup", () => {
  it("normalizes fingerprints", () => expect(normalizeFingerprint(` ${fp} `)).toBe("ab".repeat(32)));
  it.each([
    [ok, ""],
    [{ ...ok, fingerprint: fp }, ""],
    [{ ...ok, server: "http://backup.example.org" }, "https://"],
    [{ ...ok, server: "https://" }, "https://"],
    [{ ...ok, fingerprint: "abc" }, "64 hex"],
    [{ ...ok, email: "alice" }, "email"],
    [{ ...ok, password: "" }, "password"],
  ])("accountProblem %#", (a, want) => {
    const got = accountProblem(a);
    if (want === "") expect(got).toBe("");
    else expect(got).toContain(want);
  });
  it.each([
    [null, ""],
    [report({}), "Everything up to date"],
    [report({ pushed: 2, pulled: 1 }), "2 uploaded, 1 downloaded"],
    [report({ deletedLocal: 1, deletedRemote: 1, conflicts: 1 }), "2 deleted, 1 conflict copy"],
    [report({ skipped: 3, damaged: 1 }), "3 private waiting for unlock, 1 damaged on the server"],
  ])("reportSummary %#", (r, want) => expect(reportSummary(r)).toBe(want));
  it.each([
    [null, "not available"],
    [{ ...base, available: false }, "not available"],
    [{ ...base, enabled: false }, "Off"],
    [{ ...base, syncing: true }, "Syncing"],
    [{ ...base, offline: true, lastError: "x" }, "Offline"],
    [{ ...base, signedOut: true, lastError: "x" }, "Signed out"],
    [{ ...base, lastError: "boom" }, "Last sync failed: boom"],
    [base, "Not synced yet"],
    [{ ...base, lastSync: "2030-01-02T10:04:00" }, "Last synced Today 10:04"],
  ])("statusLine %#", (st, want) => expect(statusLine(st, new Date("2030-01-02T12:00:00"))).toContain(want));
});
