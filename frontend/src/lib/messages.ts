// Messages shown to people: errors from the Go side made actionable, toasts that do not go stale,
// and the vault password rules shown beside the field.

/** explainError rewrites a Go error's text where a better sentence says what to do. */
export function explainError(msg: string): string {
  if (/x509|certificate|unknown authority|self[- ]signed|tls: /i.test(msg)) {
    return "The backup server's certificate is not trusted (a self-signed server?). Ask its administrator for the certificate's SHA-256 fingerprint and enter it under “Certificate fingerprint” to pin it.";
  }
  return msg;
}

export interface ToastLike {
  id: number;
  kind: "info" | "error" | "success";
  text: string;
}

/** addToast returns the toasts after t is added: a success clears the errors it supersedes. */
export function addToast<T extends ToastLike>(toasts: T[], t: T): T[] {
  const kept = t.kind === "success" ? toasts.filter((x) => x.kind !== "error") : toasts;
  return [...kept, t];
}

/** The vault password rule, shown beside the field (not only as a placeholder). */
export const MIN_PASSWORD = 8;

export interface Strength {
  score: 0 | 1 | 2 | 3 | 4; // 0 too short … 4 strong
  label: string;
}

/**
 * passwordStrength rates a password by length and variety: below MIN_PASSWORD it is "too short"
 * whatever it contains; long passphrases rate highest.
 */
export function passwordStrength(pw: string): Strength {
  const n = [...pw].length;
  if (n < MIN_PASSWORD) return { score: 0, label: n ? `Too short: ${MIN_PASSWORD - n} more ${MIN_PASSWORD - n === 1 ? "character" : "characters"}` : "" };
  let kinds = 0;
  for (const re of [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/]) if (re.test(pw)) kinds++;
  const distinct = new Set(pw).size;
  let score = n >= 16 ? 3 : n >= 12 ? 2 : 1;
  if (kinds >= 3 && n >= 10) score++;
  if (distinct <= 3) score = 1;
  score = Math.min(4, score);
  const labels = ["", "Weak", "Fair", "Good", "Strong"];
  return { score: score as Strength["score"], label: labels[score] };
}
