// Pure helpers of the cloud backup settings: checking what the user typed and describing the state.
import type { BackupAccount, BackupReport, BackupStatus } from "./api";
import { date, isZeroTime, plural } from "./format";
import { explainError } from "./messages";

/** normalizeFingerprint lowercases a SHA-256 fingerprint and drops colons and spaces. */
export function normalizeFingerprint(fp: string): string {
  return fp.trim().replace(/[:\s]/g, "").toLowerCase();
}

/** accountProblem returns why the form cannot be sent yet, or "" when it can. */
export function accountProblem(a: Pick<BackupAccount, "server" | "fingerprint" | "email" | "password">): string {
  const server = a.server.trim();
  if (!/^https:\/\/[^/\s]+/i.test(server)) return "The server address must start with https://";
  const fp = normalizeFingerprint(a.fingerprint);
  if (fp !== "" && !/^[0-9a-f]{64}$/.test(fp)) return "The certificate fingerprint must be 64 hex digits (SHA-256).";
  if (!/^[^@\s]+@[^@\s]+$/.test(a.email.trim())) return "Enter your email address.";
  if (a.password === "") return "Enter the password.";
  return "";
}

/** reportSummary describes what one sync did, e.g. "2 uploaded, 1 downloaded". */
export function reportSummary(r: BackupReport | null | undefined): string {
  if (!r) return "";
  const parts: string[] = [];
  if (r.pushed) parts.push(`${r.pushed} uploaded`);
  if (r.pulled) parts.push(`${r.pulled} downloaded`);
  if (r.deletedLocal + r.deletedRemote) parts.push(`${r.deletedLocal + r.deletedRemote} deleted`);
  if (r.conflicts) parts.push(plural(r.conflicts, "conflict copy", "conflict copies"));
  if (r.skipped) parts.push(`${r.skipped} private waiting for unlock`);
  if (r.damaged) parts.push(`${r.damaged} damaged on the server`);
  return parts.length ? parts.join(", ") : "Everything up to date";
}

/** statusLine is the one-line state of the backup. */
export function statusLine(st: BackupStatus | null, now: Date = new Date()): string {
  if (!st || !st.available) return "Cloud backup is not available in this build.";
  if (!st.enabled) return "Off";
  if (st.syncing) return "Syncing…";
  if (st.lastError && explainError(st.lastError) !== st.lastError) return explainError(st.lastError);
  if (st.offline) return "Offline: the server cannot be reached. Nothing is lost; it syncs again later.";
  if (st.signedOut) return "Signed out: sign in again to continue backing up.";
  if (st.lastError) return "Last sync failed: " + st.lastError;
  if (isZeroTime(st.lastSync)) return "Not synced yet";
  return `Last synced ${date(st.lastSync, now)}`;
}
