import type { PolicyViolation, RuntimeFinding } from '../policy/types.js';
import { LogLimiter } from './log-limiter.js';

/** The process warnings of a policy whose violations nobody handles. */
export interface TlsPolicyWarning extends Error {
  readonly name: 'TlsPolicyWarning';
  readonly code: string;
  /** The violation (the last one of its kind and host, for a count of held-back ones). */
  readonly violation?: PolicyViolation;
  /** The runtime finding, for audit warnings. */
  readonly finding?: RuntimeFinding;
  /** How many more of this kind and host were held back by the rate limit. */
  readonly suppressed?: number;
}

/** Is this process warning one of this package's (from any copy of it)? A type guard for `process.on('warning')`. */
export function isTlsPolicyWarning(value: unknown): value is TlsPolicyWarning {
  return value instanceof Error && value.name === 'TlsPolicyWarning' && typeof (value as { code?: unknown }).code === 'string';
}

function warn(message: string, code: string, extra: Partial<TlsPolicyWarning>, atExit = false): void {
  const warning = Object.assign(new Error(message), { name: 'TlsPolicyWarning', code, ...extra });
  // Node's own switches apply: --no-warnings, NODE_NO_WARNINGS=1, process.on('warning'). At
  // exit no tick runs any more, so the warning goes to the 'warning' listeners at once (Node
  // installs its printing one only when warnings are on).
  if (atExit) process.emit('warning', warning);
  else process.emitWarning(warning);
}

/**
 * Audible by default: a violation that nothing handles (no 'violation' listener, no logger, no
 * debug log, no channel subscriber) becomes a Node process warning, once per kind and host per
 * window, the held-back ones counted and written when the window closes.
 */
export class ViolationWarnings {
  readonly #limiter = new LogLimiter<PolicyViolation>(60_000, 1024, (_key, suppressed, last, atExit) =>
    warn(
      `TLS policy: ${suppressed} more ${last.kind} (${last.action ?? 'seen'}) for ${last.host} in the last minute`,
      last.code,
      { violation: last, suppressed },
      atExit,
    ),
  );

  violation(v: PolicyViolation): void {
    const suppressed = this.#limiter.admit(`${v.host}\u0000${v.kind}`, Date.now(), v);
    if (suppressed < 0) return;
    const more = suppressed > 0 ? ` (${suppressed} more held back before this one)` : '';
    warn(`TLS policy ${v.action ?? 'saw'} ${v.kind}: ${v.message}${more}`, v.code, { violation: v, suppressed });
  }
}

/** A runtime finding worth a warning (high or medium), once. */
export function findingWarning(f: RuntimeFinding): void {
  warn(`TLS runtime audit (${f.severity}) ${f.id}: ${f.message}; fix: ${f.fix}`, 'M365_TLS_POLICY_AUDIT', { finding: f });
}
