/** debounce delays f until wait ms have passed without another call; flush runs a pending call now. */
export function debounce<A extends unknown[]>(f: (...a: A) => void, wait: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending: A | undefined;
  const run = () => {
    timer = undefined;
    const a = pending;
    pending = undefined;
    if (a) f(...a);
  };
  const d = (...a: A) => {
    pending = a;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(run, wait);
  };
  d.flush = () => {
    if (timer !== undefined) clearTimeout(timer);
    run();
  };
  d.cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    pending = undefined;
  };
  d.pending = () => pending !== undefined;
  return d;
}
