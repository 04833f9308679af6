import { describe, expect, it } from "vitest";
import { addToast, explainError, passwordStrength, type ToastLike } from "./messages";

describe("messages", () => {
  it("suggests pinning the fingerprint for an untrusted certificate instead of 'cannot be reached'", () => {
    expect(explainError("backup: Post https://x: tls: failed to verify certificate: x509: certificate signed by unknown authority")).toMatch(/fingerprint/);
    expect(explainError("wrong password")).toBe("wrong password");
  });
  it("drops stale errors when something succeeds", () => {
    const before: ToastLike[] = [{ id: 1, kind: "error", text: "failed" }, { id: 2, kind: "info", text: "i" }];
    const t = addToast(before, { id: 3, kind: "success", text: "ok" });
    expect(t.map((x) => x.id)).toEqual([2, 3]);
    const errs: ToastLike[] = [{ id: 1, kind: "error", text: "a" }];
    expect(addToast(errs, { id: 2, kind: "error", text: "b" })).toHaveLength(2);
  });
  it("rates passwords, with the 8-character rule first", () => {
    expect(passwordStrength("").score).toBe(0);
    expect(passwordStrength("abc").label).toBe("Too short: 5 more characters");
    expect(passwordStrength("aaaaaaaaaaaaaaaaaaaa").score).toBe(1);
    expect(passwordStrength("abcdefgh").score).toBe(1);
    expect(passwordStrength("correct horse battery").score).toBeGreaterThanOrEqual(3);
    expect(passwordStrength("Tr0ub4dor&3xyz").score).toBe(3);
  });
});
