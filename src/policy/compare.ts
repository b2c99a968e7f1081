import { normalizeHost } from './host-names.js';
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
    answer = wanted.scope.patterns.every((p) => {
      if (!p.startsWith('*.')) return actual.scope.matches(normalizeHost(p));
      // A name under x that no pattern can list (a label may not end in '-'), so only a `*.x`
      // pattern or one of a parent of x matches it: a policy naming one host under x never
      // passes for one covering all of *.x. A probe too long to read is not covered (fail closed).
      const probe = normalizeHost(`m365-tls-policy-probe-.${p.slice(2)}`);
      return probe.kind === 'name' && actual.scope.matches(probe);
    });
    answers.set(wanted.scope, answer);
  }
  return answer;
}
