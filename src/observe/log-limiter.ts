/**
 * Rate limit for log lines and process warnings: per key (host and kind), one line per window;
 * the lines held back are counted. Nothing is lost: the count is written as `suppressed=N` on
 * the next line, or, if no line comes, when the window closes (an unref'd timer) or when the
 * process exits. A flood of refused connections then costs a few lines a minute, not one per
 * connection. Events and logger records are not limited: they are the application's to count.
 */
export class LogLimiter<T = unknown> {
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #onFlush: ((key: string, suppressed: number, last: T, atExit: boolean) => void) | undefined;
  readonly #state = new Map<string, { until: number; suppressed: number; last?: T }>();
  #timer: NodeJS.Timeout | undefined;

  /** @param onFlush writes a held-back count whose window closed without a later line. */
  constructor(windowMs = 60_000, maxKeys = 1024, onFlush?: (key: string, suppressed: number, last: T, atExit: boolean) => void) {
    this.#windowMs = windowMs;
    this.#maxKeys = maxKeys;
    this.#onFlush = onFlush;
  }

  /** Returns the number of lines suppressed since the last one, or -1 to suppress this line. */
  admit(key: string, now = Date.now(), item?: T): number {
    const entry = this.#state.get(key);
    if (entry !== undefined && now < entry.until) {
      entry.suppressed += 1;
      if (item !== undefined) entry.last = item;
      this.#schedule(entry.until - now);
      return -1;
    }
    if (entry === undefined && this.#state.size >= this.#maxKeys) this.flush(); // bounded: written, then cleared
    if (entry === undefined && this.#state.size >= this.#maxKeys) this.#state.clear();
    const suppressed = entry?.suppressed ?? 0;
    this.#state.set(key, { until: now + this.#windowMs, suppressed: 0 });
    return suppressed;
  }

  /** Writes every held-back count now (windows closed, or the process exiting). */
  flush(now = Number.POSITIVE_INFINITY, atExit = false): void {
    for (const [key, entry] of this.#state) {
      if (entry.suppressed === 0 || entry.until > now) continue;
      const { suppressed, last } = entry;
      entry.suppressed = 0;
      delete entry.last;
      if (this.#onFlush !== undefined && last !== undefined) this.#onFlush(key, suppressed, last, atExit);
    }
    if (![...this.#state.values()].some((e) => e.suppressed > 0)) pending.delete(this);
  }

  #schedule(delayMs: number): void {
    if (this.#onFlush === undefined) return;
    pending.add(this);
    watchExit();
    if (this.#timer !== undefined) return;
    // Unref'd: a held-back count never keeps the process alive; the exit hook writes it then.
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.flush(Date.now());
        const next = Math.min(...[...this.#state.values()].filter((e) => e.suppressed > 0).map((e) => e.until - Date.now()));
        if (Number.isFinite(next)) this.#schedule(Math.max(next, 1));
      },
      Math.max(delayMs, 1),
    );
    this.#timer.unref();
  }
}

// Limiters holding counts, written at exit by one listener for all of them.
const pending = new Set<{ flush(now?: number, atExit?: boolean): void }>();
let exitWatched = false;

function watchExit(): void {
  if (exitWatched) return;
  exitWatched = true;
  process.once('exit', () => {
    for (const limiter of pending) limiter.flush(Number.POSITIVE_INFINITY, true);
  });
}
