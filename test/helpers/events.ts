import type { PolicyViolation, SecureConnectionEvent, TlsPolicy } from '../../src/index.js';

/** Records a policy's events for assertions. */
export function recordEvents(policy: TlsPolicy): { violations: PolicyViolation[]; secure: SecureConnectionEvent[] } {
  const seen = { violations: [] as PolicyViolation[], secure: [] as SecureConnectionEvent[] };
  policy.on('violation', (v) => seen.violations.push(v));
  policy.on('secure', (e) => seen.secure.push(e));
  return seen;
}
