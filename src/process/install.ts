import { portOf, type PolicyPort } from '../engine/port.js';
import { sharedState } from '../engine/registry.js';
import { weakerIn } from '../policy/compare.js';
import type { TlsPolicyOptions } from '../policy/options.js';
import { makeViolation } from '../policy/violations.js';
import { toPolicy, type TlsPolicy } from '../tls-policy.js';
import { hookTlsConnect, namedImportsSeeWrapper } from './connect-hook.js';
import { hookHttp2 } from './http2-hook.js';
import { hookRequests } from './request-hooks.js';
import { auditRuntime } from './runtime-audit.js';

/** One caller's install. */
interface Entry {
  readonly policy: TlsPolicy;
  readonly port: PolicyPort;
}

/**
 * The process-wide installation, shared by every copy of this package (ESM and CommonJS, or a
 * bundled copy) through the registry (engine/registry.ts). Every caller of installTlsPolicy()
 * has an entry; the policy in force is the strictest of them (see `inForce`).
 */
interface Installation {
  readonly entries: Entry[];
  current: Entry | undefined;
  readonly unhook: () => void;
}

const installation = (): Installation | undefined => sharedState().installation as Installation | undefined;
const currentPort = (): PolicyPort | undefined => installation()?.current?.port;

/** The installed policy in force, if any. */
export function installedTlsPolicy(): TlsPolicy | undefined {
  return installation()?.current?.policy;
}

/**
 * Applies the policy to every outbound TLS connection of the process: `tls.connect` itself is
 * wrapped (so https, every agent, Node's fetch, undici, nodemailer and raw `tls.connect` go
 * through it, ESM named imports included), and requests are refused where they would go out
 * on a connection the policy did not judge (pooled before the install) or in clear text to an
 * in-scope host.
 *
 * Installs stack: each caller gets an uninstall function that removes only what that caller
 * installed. The policy in force is the strictest one installed: a later install at least as
 * strict takes over; a weaker one (report mode over enforce, a lower floor, a narrower scope)
 * does not, and says so loudly (a violation on the policy in force and a process warning). When
 * the last caller uninstalls, everything is restored.
 */
export function installTlsPolicy(policyOrOptions?: TlsPolicy | TlsPolicyOptions): () => void {
  const policy = toPolicy(policyOrOptions);
  const entry: Entry = { policy, port: portOf(policy) }; // a policy of an incompatible copy is refused here
  const state = sharedState();
  let active = installation();
  if (active === undefined) {
    // All or nothing: if a hook cannot be put in place, the ones already placed are removed and
    // the caller gets the error, never a half-installed process.
    const unhooks: Array<() => void> = [];
    try {
      for (const hook of [hookTlsConnect, hookRequests, hookHttp2]) unhooks.push(hook(currentPort));
    } catch (error) {
      for (const unhook of unhooks.reverse()) unhook();
      throw error;
    }
    active = {
      entries: [],
      current: undefined,
      unhook: () => {
        for (const unhook of unhooks.reverse()) unhook();
      },
    };
    state.installation = active;
    // Once per process, when the first install puts the wrappers in place: every finding.
    reportRuntime(entry.port);
  }
  const before = active.current;
  active.entries.push(entry);
  active.current = inForce(active.entries);
  if (before !== undefined && active.current !== entry) refuseWeaker(before, entry);
  const inst = active;
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    const at = inst.entries.indexOf(entry);
    if (at !== -1) inst.entries.splice(at, 1);
    const before = inst.current;
    inst.current = inForce(inst.entries);
    // A weaker install kept in reserve takes over when every stricter one is gone: said as loudly.
    if (before !== undefined && inst.current !== undefined && inst.current !== before) announceWeaker(inst.current, before);
    if (inst.entries.length === 0 && state.installation === inst) {
      state.installation = undefined;
      inst.unhook();
    }
  };
}

/** The strictest entry, in install order: a later one takes over when it is at least as strict. */
function inForce(entries: readonly Entry[]): Entry | undefined {
  let current: Entry | undefined;
  for (const entry of entries) {
    if (current === undefined || weakerIn(entry.port.config, current.port.config).length === 0) current = entry;
  }
  return current;
}

/** A weaker install was kept from weakening the process: say so where people look. */
function refuseWeaker(inForce: Entry, weaker: Entry): void {
  const names = weakerIn(weaker.port.config, inForce.port.config);
  tell(
    inForce,
    names,
    'installTlsPolicy() was asked for a policy weaker than the one installed; the installed policy stays in force',
    'blocked',
  );
}

/** The stricter install was removed and a weaker one, kept in reserve, is now in force. */
function announceWeaker(now: Entry, removed: Entry): void {
  const names = weakerIn(now.port.config, removed.port.config);
  if (names.length === 0) return;
  tell(now, names, 'the stricter installed policy was uninstalled; a weaker one installed earlier is now in force', 'reported');
}

/** Through the policy's sink, like every violation: its listeners, logger and channel, or else a process warning. */
function tell(entry: Entry, names: readonly string[], detail: string, action: 'blocked' | 'reported'): void {
  entry.port.sink.violations([makeViolation({ host: '(process)' }, { kind: 'insecure-options', detail, options: names, action })]);
}

/**
 * The runtime audit, reported once as findings of their own kind: not connection violations
 * (they would never let a rollout's violation count reach zero) and not in `policy.stats()`.
 */
function reportRuntime(port: PolicyPort): void {
  const findings = auditRuntime().filter((f) => f.severity !== 'info');
  if (!namedImportsSeeWrapper())
    findings.push({
      id: 'install-named-imports',
      severity: 'high',
      message:
        "this runtime (Bun) does not update `import { connect } from 'node:tls'` bindings: ES modules that import it by name escape the install",
      fix: 'on Bun, preload the install: bun --preload m365-tls-policy/register (the CommonJS entry, which runs before any ES module binds node:tls)',
    });
  if (findings.length > 0) port.sink.findings(findings);
}
