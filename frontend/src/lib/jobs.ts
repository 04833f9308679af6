// What the queue shows about a job: its stage in words, how long it has run, and for a finished job
// how fast it went compared with the audio's length.
import { isZeroTime, NS_PER_SECOND } from "./format";

export interface JobTimes {
  state: string;
  stage: string;
  started: string;
  finished: string;
  duration: number; // audio length, ns; 0 while unknown
}

/** elapsedSeconds is how long a job has been running (or ran), or -1 before it started. */
export function elapsedSeconds(j: JobTimes, now: Date = new Date()): number {
  if (isZeroTime(j.started)) return -1;
  const start = new Date(j.started).getTime();
  const end = !isZeroTime(j.finished) && j.state !== "running" ? new Date(j.finished).getTime() : now.getTime();
  return Math.max(0, (end - start) / 1000);
}

/** speed is audio seconds per second of work for a finished job ("12.5" means 12.5× real time), or 0. */
export function speed(j: JobTimes): number {
  const el = elapsedSeconds(j);
  if (j.state !== "done" || el <= 0 || !j.duration) return 0;
  return j.duration / NS_PER_SECOND / el;
}

/** Whisper reads audio in windows of 30 seconds, one after another. */
export const WINDOW_SECONDS = 30;
// The Go side's progress bands (app/jobs.go): transcription runs from 5 % to 98 %.
const BAND_START = 5;
const BAND_END = 98;

/**
 * window says which 30-second window a transcribing job is in, from its percent and the audio's
 * length: { k, n } with 1 ≤ k ≤ n, or null while the length is unknown or it is not transcribing.
 */
export function window(j: { stage: string; percent: number; duration: number }): { k: number; n: number } | null {
  if (j.stage !== "transcribing" || !j.duration) return null;
  const n = Math.max(1, Math.ceil(j.duration / NS_PER_SECOND / WINDOW_SECONDS));
  const frac = Math.min(1, Math.max(0, (j.percent - BAND_START) / (BAND_END - BAND_START)));
  return { k: Math.min(n, Math.floor(frac * n) + 1), n };
}

/** stageText names what a running job is doing. */
export function stageText(stage: string, win?: { k: number; n: number } | null): string {
  if (stage === "transcribing" && win && win.n > 1) return `Transcribing window ${win.k} of ${win.n}…`;
  switch (stage) {
    case "starting":
      return "Starting…";
    case "decoding":
      return "Reading the audio…";
    case "loading model":
      return "Loading the model…";
    case "transcribing":
      return "Transcribing…";
    case "saving":
      return "Saving…";
  }
  return stage ? stage[0].toUpperCase() + stage.slice(1) + "…" : "Working…";
}
