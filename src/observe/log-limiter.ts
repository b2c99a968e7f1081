/**
 * Rate limit for violation log lines: per host and kind, one line per window; the lines held
 * back are counted and reported as `suppressed=N` on the next line that is written. A flood
 * of refused connections then costs a few lines a minute, not one per connection. Events are
 * not limited: they are the application's to count.
 */
export class LogLimiter {
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #state = new Map<string, { until: number; suppressed: number }>();

  constructor(windowMs = 60_000, maxKeys = 1024) {
    this.#windowMs = windowMs;
    this.#maxKeys = maxKeys;
  }

  /** Returns the number of lines suppressed since the last one, or -1 to suppress this line. */
  admit(key: string, now = Date.now()): number {
    const entry = this.#state.get(key);
    if (entry !== undefined && now < entry.until) {
      entry.suppressed += 1;
      return -1;
    }
    if (entry === undefined && this.#state.size >= this.#maxKeys) this.#state.clear(); // bounded
    const suppressed = entry?.suppressed ?? 0;
    this.#state.set(key, { until: now + this.#windowMs, suppressed: 0 });
    return suppressed;
  }
}
