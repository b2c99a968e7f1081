import type { SecureContextCache } from './context-cache.js';
import type { PolicyConfig } from '../policy/options.js';
import type { PolicyViolation, SecureConnectionEvent } from '../policy/types.js';

// Registry symbols, so a policy made by the ESM copy of this package still works when handed
// to the CommonJS copy (and the reverse): both copies read the same keys.
export const POLICY_INTERNALS = Symbol.for('m365-tls-policy.policy-internals');
export const POLICY_AGENT = Symbol.for('m365-tls-policy.agent');

/** What the adapters (agent, dispatcher, installer) need from a policy; not public API. */
export interface PolicyInternals {
  readonly config: PolicyConfig;
  /** Hardened SecureContexts, built once per distinct set of options (context-cache.ts). */
  readonly contexts: SecureContextCache;
  /** Logs and emits each violation; listener errors never break the connection handling. */
  emitViolations(violations: readonly PolicyViolation[]): void;
  emitSecure(event: SecureConnectionEvent): void;
}

export function internalsOf(policy: object): PolicyInternals | undefined {
  const value = (policy as Record<symbol, unknown>)[POLICY_INTERNALS];
  return typeof value === 'object' && value !== null ? (value as PolicyInternals) : undefined;
}
