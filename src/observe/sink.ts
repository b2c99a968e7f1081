import type { EventEmitter } from 'node:events';
import type { PolicyViolation, SecureConnectionEvent } from '../policy/types.js';
import { connectionLog, formatSecure, formatViolation, violationLog } from './log.js';
import { LogLimiter } from './log-limiter.js';
import { PolicyStats, type TlsPolicyStats } from './policy-stats.js';

/**
 * Where a violation goes, in order: the statistics, the rate-limited debug log line, the
 * policy's `'violation'` event. Passed connections: statistics, debug line, `'secure'` event.
 * One per policy; the engine calls it through the policy's port.
 */
export class PolicySink {
  readonly #emitter: EventEmitter;
  readonly #stats = new PolicyStats();
  readonly #limiter = new LogLimiter();

  /** @param emitter the policy, whose `'violation'` and `'secure'` events this sink emits. */
  constructor(emitter: EventEmitter) {
    this.#emitter = emitter;
  }

  violations(violations: readonly PolicyViolation[]): void {
    for (const v of violations) {
      this.#stats.recordViolation(v);
      const log = violationLog();
      if (log.enabled) {
        const suppressed = this.#limiter.admit(`${v.host}\u0000${v.kind}`);
        if (suppressed >= 0) log('%s', formatViolation(v, suppressed));
      }
      this.#emit('violation', v);
    }
  }

  secure(event: SecureConnectionEvent): void {
    this.#stats.recordSecure(event);
    const log = connectionLog();
    if (log.enabled) log('%s', formatSecure(event));
    this.#emit('secure', event);
  }

  stats(): TlsPolicyStats {
    return this.#stats.snapshot();
  }

  resetStats(): void {
    this.#stats.reset();
  }

  #emit(event: 'violation' | 'secure', payload: PolicyViolation | SecureConnectionEvent): void {
    try {
      this.#emitter.emit(event, payload);
    } catch (error) {
      // A throwing listener is the application's bug; surface it like any uncaught error,
      // but only after the policy has finished protecting the connection.
      process.nextTick(() => {
        throw error;
      });
    }
  }
}
