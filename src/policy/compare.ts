import { isIP } from 'node:net';
import type { PolicyConfig } from './options.js';
import type { HostScope } from './scope.js';
import { versionRank } from './tls-options.js';

/**
 * Where `actual` is weaker than `wanted`, as option paths (`policy.mode`, `policy.minVersion`,
 * `policy.ciphers`, `policy.hosts`); empty when it is at least as strict. Used to judge a policy
 * agent against the policy checking it, and a later process-wide install against the installed
 * one. `insecureOptions` is not compared: overriding and refusing both keep weakening options
 * off the wire.
 */
export function weakerIn(actual: PolicyConfig, wanted: PolicyConfig): string[] {
  const names: string[] = [];
  if (actual.mode !== 'enforce' && wanted.mode === 'enforce') names.push('policy.mode');
  if (versionRank(actual.minVersion) < versionRank(wanted.minVersion)) names.push('policy.minVersion');
  if (wanted.ciphers === 'strong' && actual.ciphers !== 'strong') names.push('policy.ciphers');
  if (!scopeCovers(actual, wanted)) names.push('policy.hosts');
  return names;
}

/**
 * Answers of scopeCovers, per pair of compiled scopes (immutable once compiled). A session's
 * record is compared with the planner's policy on every offer, and with a new default policy
 * per agent the built-in scope's 200-odd patterns were probed on each connection.
 */
const covered = new WeakMap<HostScope, WeakMap<HostScope, boolean>>();

/** Does every host `wanted` covers fall in `actual`'s scope? A `*.x` pattern is probed with a name under x no pattern can list. */
function scopeCovers(actual: PolicyConfig, wanted: PolicyConfig): boolean {
  if (actual.scope === wanted.scope || actual.scope.patterns === '*') return true;
  if (wanted.scope.patterns === '*') return false;
  let answers = covered.get(actual.scope);
  if (answers === undefined) covered.set(actual.scope, (answers = new WeakMap()));
  let answer = answers.get(wanted.scope);
  if (answer === undefined) {
    // Patterns are stored normalised, so each is asked about as it is: normalising again could
    // read a long one as unknown, which every scope "matches" (the fail-safe for connections).
    answer = wanted.scope.patterns.every((p) => {
      if (!p.startsWith('*.')) return actual.scope.matches({ kind: isIP(p) !== 0 || p.startsWith('[') ? 'ip' : 'name', name: p });
      // A name under x that no pattern can list (a label may not end in '-'), so only a `*.x`
      // pattern or one of a parent of x matches it: a policy naming one host under x never
      // passes for one covering all of *.x.
      return actual.scope.matches({ kind: 'name', name: `m365-tls-policy-probe-.${p.slice(2)}` });
    });
    answers.set(wanted.scope, answer);
  }
  return answer;
}
