// Formatters for times, sizes and dates shown in the window. Go sends durations as nanoseconds.

export const NS_PER_SECOND = 1_000_000_000;

const pad = (n: number) => String(n).padStart(2, "0");

/** timestamp formats a position in a recording: "m:ss", or "h:mm:ss" from one hour on. */
export function timestamp(ns: number, withTenths = false): string {
  if (!Number.isFinite(ns) || ns < 0) ns = 0;
  const totalTenths = Math.floor(ns / (NS_PER_SECOND / 10));
  const total = Math.floor(totalTenths / 10);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const tenths = withTenths ? "." + (totalTenths % 10) : "";
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}${tenths}` : `${m}:${pad(s)}${tenths}`;
}

/** duration formats a length: "45 s", "3 min 05 s", "1 h 02 min". */
export function duration(ns: number): string {
  if (!Number.isFinite(ns) || ns <= 0) return "0 s";
  const total = Math.round(ns / NS_PER_SECOND);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} h ${pad(m)} min`;
  if (m > 0) return `${m} min ${pad(s)} s`;
  return `${s} s`;
}

/** remaining formats an estimate of time left in seconds; negative means unknown. */
export function remaining(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "estimating…";
  if (seconds < 5) return "a few seconds left";
  if (seconds < 60) return `${Math.round(seconds)} s left`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min left`;
  const h = Math.floor(minutes / 60);
  return `about ${h} h ${pad(minutes % 60)} min left`;
}

/** bytes formats a size with binary multiples shown in the decimal style people expect ("75 MB"). */
export function bytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return "";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  const digits = i === 0 || v >= 100 ? 0 : v >= 10 ? 0 : 1;
  return `${v.toFixed(digits)} ${units[i]}`;
}

/** isZeroTime reports whether an RFC 3339 string is Go's zero time (or empty). */
export function isZeroTime(iso: string | undefined): boolean {
  return !iso || iso.startsWith("0001-01-01");
}

/** date formats an RFC 3339 time as a short local date and time. */
export function date(iso: string, now: Date = new Date()): string {
  if (isZeroTime(iso)) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const sameDay = d.toDateString() === now.toDateString();
  if (sameDay) return `Today ${time}`;
  const y = new Date(now);
  y.setDate(now.getDate() - 1);
  if (d.toDateString() === y.toDateString()) return `Yesterday ${time}`;
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const year = d.getFullYear() === now.getFullYear() ? "" : ` ${d.getFullYear()}`;
  return `${d.getDate()} ${months[d.getMonth()]}${year} ${time}`;
}

/** plural returns "1 file" / "3 files". */
export function plural(n: number, one: string, many = one + "s"): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * parseTimestamp reads a position typed by a person: "75.3", "1:15.3" or "1:01:15.3" (seconds may
 * have a decimal point or comma). It returns nanoseconds, or NaN for anything else.
 */
export function parseTimestamp(s: string): number {
  const m = /^\s*(?:(\d+):)??(?:(\d+):)?(\d+(?:[.,]\d*)?)\s*$/.exec(s);
  if (!m) return NaN;
  const h = m[1] ? Number(m[1]) : 0;
  const min = m[2] ? Number(m[2]) : 0;
  const sec = Number(m[3].replace(",", "."));
  if ((m[2] && sec >= 60) || (m[1] && min >= 60)) return NaN;
  return Math.round((h * 3600 + min * 60 + sec) * 10) * (NS_PER_SECOND / 10);
}
