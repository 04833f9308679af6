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

/** stageText names what a running job is doing. */
export function stageText(stage: string): string {
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
