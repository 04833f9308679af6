// What the window shows of a quick recording (the Transcribe view's record button, the tray and the
// global hotkey drive the same recording on the Go side): the level meter's scale, the outcome
// message and the choices for the silence timeout.
import type { InputDevice, QuickRecordResult, QuickRecordState } from "./api";
import { duration } from "./format";

/** The meter shows -60 dBFS (empty) to 0 dBFS (full); quieter counts as silence. */
export const METER_FLOOR_DB = -60;

/** meterPercent maps a level in dBFS to the meter's fill, 0..100, linear in decibels. */
export function meterPercent(dbfs: number): number {
  if (!Number.isFinite(dbfs) || dbfs <= METER_FLOOR_DB) return 0;
  if (dbfs >= 0) return 100;
  return Math.round(((dbfs - METER_FLOOR_DB) / -METER_FLOOR_DB) * 1000) / 10;
}

/** finished reports whether next is the end of a recording's transcription that prev was waiting for. */
export function finished(prev: QuickRecordState | null, next: QuickRecordState): boolean {
  return prev?.phase === "transcribing" && next.phase === "idle" && !!next.last;
}

export interface Outcome {
  kind: "success" | "error" | "info";
  text: string;
}

/** outcome is the message a finished quick recording gets. */
export function outcome(r: QuickRecordResult): Outcome {
  const did: string[] = [];
  if (r.copied) did.push("copied to the clipboard");
  if (r.saved) did.push("saved to the library");
  if (r.error && !did.length) return { kind: "error", text: `Quick recording: ${r.error}` };
  const len = r.duration > 0 ? ` (${duration(r.duration)})` : "";
  const text = did.length
    ? `Quick recording transcribed${len} and ${did.join(" and ")}.`
    : `Quick recording transcribed${len}; it was neither copied nor saved (see Settings).`;
  // Something went wrong, but the text was kept (e.g. the microphone was unplugged mid-way).
  if (r.error) return { kind: "info", text: `${text} ${r.error}` };
  return { kind: did.length ? "success" : "info", text };
}

/** deviceLabel names a microphone for the picker; "" is the system default. */
export function deviceLabel(d: InputDevice): string {
  const name = d.name || d.id || "Unnamed microphone";
  return d.default ? `${name} (system default)` : name;
}

/**
 * pickerDevices lists what the microphone picker offers: the system default first, then each
 * device, and the remembered device even when it is not connected now (so the choice is not lost
 * while it is unplugged).
 */
export function pickerDevices(devices: InputDevice[], chosen: string): { id: string; label: string }[] {
  const out = [{ id: "", label: "System default" }];
  for (const d of devices) if (d.id) out.push({ id: d.id, label: deviceLabel(d) });
  if (chosen && !devices.some((d) => d.id === chosen)) out.push({ id: chosen, label: "Remembered microphone (not connected)" });
  return out;
}

/** silenceChoices are the silence timeouts Settings offers, in seconds (0 = stop only on request). */
export const silenceChoices = [0, 2, 3, 5, 10, 30, 60];

/** silenceLabel describes one silence timeout choice. */
export function silenceLabel(seconds: number): string {
  if (seconds <= 0) return "Never (stop with the button, the tray or the hotkey)";
  return `After ${seconds} s of silence`;
}
