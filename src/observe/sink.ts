import type { EventEmitter } from 'node:events';
import type { PolicyViolation, RuntimeFinding, SecureConnectionEvent } from '../policy/types.js';
import { CHANNELS } from './channels.js';
import { auditLog, connectionLog, formatFinding, formatSecure, formatViolation, violationLog } from './log.js';
import { LogLimiter } from './log-limiter.js';
import { type LoggerLike, type LogTarget, toLogTarget } from './logger.js';
import { PolicyStats, type TlsPolicyStats } from './policy-stats.js';
import { connectionRecord, findingRecord, violationRecord } from './records.js';
import { findingWarning, ViolationWarnings } from './warnings.js';

/** How a policy tells the world (the policy's `logger`, `logConnections` and `warnings` options). */
export interface SinkOptions {
  readonly mode: 'enforce' | 'report';
  readonly logger: LoggerLike | 'json' | false;
  readonly logConnections: boolean;
  readonly warnings: boolean;
}

/**
 * Where a violation goes, in order: the statistics; the rate-limited `debug` line; one record
 * for the service's logger; the `m365-tls-policy:violation` channel; the policy's `'violation'`
 * event; and, when none of those has anyone listening, a rate-limited process warning, so that
 * nothing goes unheard by default. Passed connections: statistics, debug line, a record when
 * asked (`logConnections`), the connection channel, the `'secure'` event. Runtime findings
 * (install): debug line, records, the finding channel, the `'finding'` event, and, when none of
 * those has anyone listening, a warning for each high or medium one. One sink per policy; the engine reaches it through the port.
 */
export class PolicySink {
  readonly #emitter: EventEmitter;
  readonly #options: SinkOptions;
  readonly #log: LogTarget | undefined;
  readonly #stats = new PolicyStats();
  readonly #warnings = new ViolationWarnings();
  readonly #limiter = new LogLimiter<PolicyViolation>(60_000, 1024, (_key, suppressed, last) => {
    const log = violationLog();
    if (log.enabled) log('%s', formatViolation(last, suppressed));
  });

  /** @param emitter the policy, whose `'violation'`, `'secure'` and `'finding'` events this sink emits. */
  constructor(emitter: EventEmitter, options: SinkOptions) {
    this.#emitter = emitter;
    this.#options = options;
    this.#log = options.logger === false ? undefined : toLogTarget(options.logger);
  }

  violations(violations: readonly PolicyViolation[]): void {
    for (const v of violations) {
      this.#stats.recordViolation(v);
      const log = violationLog();
      if (log.enabled) {
        const suppressed = this.#limiter.admit(`${v.host}\u0000${v.kind}`, Date.now(), v);
        if (suppressed >= 0) log('%s', formatViolation(v, suppressed));
      }
      this.#guard(() => this.#log?.('warn', v.message, violationRecord(v, this.#options.mode)));
      const heard = log.enabled || this.#heard('violation', CHANNELS.violation.hasSubscribers);
      if (CHANNELS.violation.hasSubscribers) this.#guard(() => CHANNELS.violation.publish({ policy: this.#emitter, violation: v }));
      this.#emit('violation', v);
      if (!heard && this.#options.warnings) this.#warnings.violation(v);
    }
  }

  secure(event: SecureConnectionEvent): void {
    this.#stats.recordSecure(event);
    const log = connectionLog();
    if (log.enabled) log('%s', formatSecure(event));
    if (this.#options.logConnections) {
      this.#guard(() => this.#log?.('info', `TLS ${event.protocol} to ${event.host}`, connectionRecord(event, this.#options.mode)));
    }
    if (CHANNELS.connection.hasSubscribers) this.#guard(() => CHANNELS.connection.publish({ policy: this.#emitter, connection: event }));
    this.#emit('secure', event);
  }

  /** The runtime audit's findings, reported once (at install): not violations, not in the statistics. */
  findings(findings: readonly RuntimeFinding[]): void {
    const time = new Date().toISOString();
    for (const f of findings) {
      const log = auditLog();
      if (log.enabled) log('%s', formatFinding(f));
      const serious = f.severity === 'high' || f.severity === 'medium';
      this.#guard(() => this.#log?.(serious ? 'warn' : 'info', f.message, findingRecord(f, time)));
      if (CHANNELS.finding.hasSubscribers) this.#guard(() => CHANNELS.finding.publish({ policy: this.#emitter, finding: f }));
      const heard = log.enabled || this.#heard('finding', CHANNELS.finding.hasSubscribers);
      this.#emit('finding', f);
      if (serious && !heard && this.#options.warnings) findingWarning(f);
    }
  }

  stats(): TlsPolicyStats {
    return this.#stats.snapshot();
  }

  resetStats(): void {
    this.#stats.reset();
  }

  /** Does anyone take these: a logger, an event listener, a channel subscriber? */
  #heard(event: 'violation' | 'finding', subscribed: boolean): boolean {
    return this.#log !== undefined || subscribed || this.#emitter.listenerCount(event) > 0;
  }

  #emit(event: 'violation' | 'secure' | 'finding', payload: PolicyViolation | SecureConnectionEvent | RuntimeFinding): void {
    this.#guard(() => this.#emitter.emit(event, payload));
  }

  /**
   * A throwing listener, logger or subscriber is the application's bug; surface it like any
   * uncaught error, but only after the policy has finished protecting the connection.
   */
  #guard(fn: () => unknown): void {
    try {
      fn();
    } catch (error) {
      process.nextTick(() => {
        throw error;
      });
    }
  }
}
