import type { CheckTarget } from './engine/checker.js';
import type { TlsPolicyOptions } from './policy/options.js';
import { toPolicy, type TlsPolicy } from './tls-policy.js';
import type { PolicyReport } from './policy/types.js';

/**
 * Does `target` meet the policy? Offline: a URL or host, TLS/request options, an agent (a
 * policy agent passes when its policy is at least as strict; a plain one is judged by its
 * options and the process defaults) or a connected TLS socket.
 */
export function checkTlsPolicy(target: CheckTarget, policy?: TlsPolicy | TlsPolicyOptions): PolicyReport {
  return toPolicy(policy).check(target);
}

/** Throws a `TlsPolicyError` listing every violation when `target` does not meet the policy. */
export function assertTlsPolicy(target: CheckTarget, policy?: TlsPolicy | TlsPolicyOptions): void {
  toPolicy(policy).assert(target);
}
