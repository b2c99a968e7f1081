import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
// The default import is node:tls's own exports object: the only live view of DEFAULT_* values
// that a dependency reassigns at run time (an ESM namespace import keeps the values it was
// loaded with until module.syncBuiltinESMExports() runs).
import tls from 'node:tls';
import { processCiphersWeakened } from '../policy/ciphers.js';
import { invalidOption } from '../policy/errors.js';
import { hostOfAuthority, normalizeHost, type NormalizedHost } from '../policy/host-names.js';
import { isMarkedClient, portOfClient } from './port.js';
import { brandOf, KEYS } from './registry.js';
import { weakerIn } from '../policy/compare.js';
import type { PolicyConfig } from '../policy/options.js';
import { anyInScope, displayHost, namedHosts, normalizeTarget } from '../policy/scope.js';
import { certificateInScope, inspectSocket, socketNames } from './socket-checks.js';
import { versionRank, weakeningOptions, type TlsOptionsLike } from '../policy/tls-options.js';
import type { PolicyReport, PolicyViolation } from '../policy/types.js';
import { makeViolation, type ViolationContext } from '../policy/violations.js';

/** What `check` accepts: a URL or host, TLS/request options, an agent, or a connected TLS socket. */
export type CheckTarget = string | URL | tls.ConnectionOptions | http.RequestOptions | http.Agent | tls.TLSSocket;

const TARGET_HELP = 'a URL or host name, TLS or request options, an https.Agent, or a connected tls.TLSSocket';

function report(inScope: boolean, host: NormalizedHost | undefined, violations: PolicyViolation[]): PolicyReport {
  const shown = host === undefined || host.kind === 'unknown' ? undefined : host.name;
  const kept = inScope ? violations : [];
  return Object.freeze({ ok: kept.length === 0, inScope, host: shown, violations: Object.freeze(kept) });
}

/** Judges a target against the policy without touching the network. */
export function checkTarget(config: PolicyConfig, target: unknown, hostHint?: string): PolicyReport {
  if (target instanceof tls.TLSSocket) return checkSocket(config, target, hostHint);
  if (typeof target === 'string' || target instanceof URL) return checkUrl(config, target);
  if (hasPolicyAgentBrand(target)) return checkAgent(config, target as http.Agent);
  if (target instanceof http.Agent || isAgentLike(target)) return checkAgent(config, target as http.Agent);
  if (isDispatcherLike(target)) return checkForeignDispatcher();
  if (typeof target === 'object' && target !== null && !Array.isArray(target)) return checkOptions(config, target as TlsOptionsLike);
  throw invalidOption('target', TARGET_HELP, target);
}

function hasPolicyAgentBrand(value: unknown): boolean {
  return brandOf(value, KEYS.policyOf) !== undefined;
}

function isDispatcherLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { dispatch?: unknown }).dispatch === 'function';
}

/** An undici dispatcher not made by this library keeps its TLS options private: fail closed. */
function checkForeignDispatcher(): PolicyReport {
  const v = makeViolation(
    { host: '(dispatcher)' },
    {
      kind: 'insecure-options',
      detail: 'an undici dispatcher without the policy: its TLS options cannot be inspected; use createFetchDispatcher',
      options: ['dispatcher'],
    },
  );
  return report(true, undefined, [v]);
}

function isAgentLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { addRequest?: unknown }).addRequest === 'function';
}

function checkSocket(config: PolicyConfig, socket: tls.TLSSocket, hostHint?: string): PolicyReport {
  const { servername, host: connectedHost } = socketNames(socket);
  const host = normalizeTarget(hostHint ?? servername ?? connectedHost);
  const named = [hostHint, servername, connectedHost].filter((n): n is string => n !== undefined).map((n) => normalizeTarget(n));
  const inScope = anyInScope(config.scope, named) || (socket.getProtocol() !== null && certificateInScope(socket, config));
  const ctx: ViolationContext = { host: displayHost(host), port: socket.remotePort, servername };
  return report(inScope, host, inspectSocket(socket, config, ctx, { resumed: socket.isSessionReused() && socket.authorized }).violations);
}

function checkUrl(config: PolicyConfig, target: string | URL): PolicyReport {
  const host = normalizeTarget(target);
  const violations: PolicyViolation[] = [];
  const protocol = target instanceof URL ? target.protocol : `${/^([a-z][a-z0-9+.-]*):\/\//iu.exec(target)?.[1]?.toLowerCase()}:`;
  const ctx: ViolationContext = { host: displayHost(host) };
  if (protocol === 'http:' || protocol === 'ws:') {
    violations.push(
      makeViolation(ctx, { kind: 'insecure-options', detail: `${protocol} sends in clear text; use https:`, options: ['protocol'] }),
    );
  }
  violations.push(...processDefaults(config, {}, ctx));
  return report(config.scope.matches(host), host, violations);
}

/** Option names of the violations that say "the check cannot judge this agent". */
const CANNOT_JUDGE = new Set(['policy', 'createConnection']);

function checkOptions(config: PolicyConfig, options: TlsOptionsLike): PolicyReport {
  const { host, inScope } = scopeOfOptions(config, options);
  let unjudgeable: PolicyViolation[] = [];
  const agent = options['agent'];
  if (agent !== undefined && agent !== null && agent !== false && isAgentLike(agent)) {
    const agentReport = checkAgent(config, agent as http.Agent);
    // A policy agent overrides whatever the request options say, so they cannot weaken it. Only
    // one this package made: an unproven marker is a violation, and the options are judged too.
    if (isMarkedClient(agent)) return report(inScope, host, [...agentReport.violations]);
    // An agent the check cannot judge (an unproven marker, a connecting method of its own) stays
    // a violation here too: merged options say nothing about what such an agent does.
    unjudgeable = agentReport.violations.filter((v) => v.options?.some((o) => CANNOT_JUDGE.has(o)));
    // Node merges agent options over request options; judge what the connection would get.
    options = { ...options, ...(agent as http.Agent & { options?: TlsOptionsLike }).options };
  }
  options = withServernameFromHostHeader(options);
  const ctx: ViolationContext = {
    host: displayHost(host),
    port: typeof options.port === 'number' ? options.port : undefined,
    servername: typeof options.servername === 'string' && options.servername !== '' ? options.servername : undefined,
  };
  return report(inScope, host, [...unjudgeable, ...judgeOptions(config, options, ctx)]);
}

/**
 * Node's agent (and undici) send as SNI, and verify, the name of a `Host` header when the
 * options name no servername (http's calculateServerName): judge the options the same way.
 */
function withServernameFromHostHeader(options: TlsOptionsLike): TlsOptionsLike {
  if (options.servername !== undefined) return options;
  const headers = options['headers'];
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return options;
  const entry = Object.entries(headers).find(([name]) => name.toLowerCase() === 'host');
  if (entry === undefined || typeof entry[1] !== 'string') return options;
  const name = hostOfAuthority(entry[1]) ?? '';
  return { ...options, servername: isIP(name) === 0 ? name : '' };
}

function checkAgent(config: PolicyConfig, agent: http.Agent): PolicyReport {
  const port = portOfClient(agent);
  const ctx: ViolationContext = { host: '(agent)' };
  // A policy marker on an agent no copy of this package made, or naming something no policy
  // made, says nothing about what the agent enforces: the check cannot decide, so it fails.
  if (port === 'unproven') {
    const detail =
      "the agent carries this package's policy marker, but this package did not make it or its policy, or its connecting method was replaced since";
    return report(true, undefined, [makeViolation(ctx, { kind: 'insecure-options', detail, options: ['policy'] })]);
  }
  if (port !== undefined) return report(true, undefined, comparePolicies(config, port.config, ctx));
  // Options say what Node's createConnection will do with them; an agent that connects through a
  // method of its own (a subclass, a replaced method) may do anything: the check cannot tell.
  if (!connectsLikeNode(agent)) {
    const detail =
      'the agent connects through code of its own (createConnection, createSocket or addRequest), which the check cannot judge: use createHttpsAgent()';
    return report(true, undefined, [makeViolation(ctx, { kind: 'insecure-options', detail, options: ['createConnection'] })]);
  }
  const options = ((agent as { options?: unknown }).options ?? {}) as TlsOptionsLike;
  // An agent serves many hosts: it is in scope unless its options pin it to one that is not.
  const pinned = options.servername || options.host ? scopeOfOptions(config, options) : { host: undefined, inScope: true };
  return report(pinned.inScope, pinned.host, judgeOptions(config, options, ctx));
}

/**
 * Does the agent connect the way Node's own agent of its class does (https: `tls.connect` with
 * the merged options; http: `net`), so that its options say what a connection gets? Not an
 * object that only looks like an agent, nor one with a connecting method of its own.
 */
function connectsLikeNode(agent: http.Agent): boolean {
  if (!(agent instanceof http.Agent)) return false;
  const node = agent instanceof https.Agent ? https.Agent.prototype : http.Agent.prototype;
  const base = http.Agent.prototype as unknown as Record<string, unknown>;
  try {
    const own = agent as unknown as Record<string, unknown>;
    return (
      own['createConnection'] === (node as unknown as Record<string, unknown>)['createConnection'] &&
      own['createSocket'] === base['createSocket'] &&
      own['addRequest'] === base['addRequest']
    );
  } catch {
    return false;
  }
}

function judgeOptions(config: PolicyConfig, options: TlsOptionsLike, ctx: ViolationContext): PolicyViolation[] {
  const violations: PolicyViolation[] = [];
  const weak = weakeningOptions(options, config);
  if (weak.length > 0)
    violations.push(makeViolation(ctx, { kind: 'insecure-options', detail: 'TLS options weaker than the policy', options: weak }));
  violations.push(...processDefaults(config, options, ctx));
  return violations;
}

/** Process-wide defaults that apply wherever the options leave a field unset. */
function processDefaults(config: PolicyConfig, options: TlsOptionsLike, ctx: ViolationContext): PolicyViolation[] {
  const names: string[] = [];
  const usesProtocolDefaults = options.secureProtocol === undefined && options.secureContext === undefined;
  if (usesProtocolDefaults && options.minVersion === undefined && versionRank(tls.DEFAULT_MIN_VERSION) < versionRank(config.minVersion))
    names.push('tls.DEFAULT_MIN_VERSION');
  if (usesProtocolDefaults && options.maxVersion === undefined && tls.DEFAULT_MAX_VERSION !== 'TLSv1.3')
    names.push('tls.DEFAULT_MAX_VERSION');
  if (options.ciphers === undefined && options.secureContext === undefined && processCiphersWeakened(tls.DEFAULT_CIPHERS, config))
    names.push('tls.DEFAULT_CIPHERS');
  if (options.rejectUnauthorized === undefined && process.env['NODE_TLS_REJECT_UNAUTHORIZED'] === '0')
    names.push('NODE_TLS_REJECT_UNAUTHORIZED');
  if (names.length === 0) return [];
  return [
    makeViolation(ctx, { kind: 'insecure-options', detail: 'process-wide TLS defaults weaker than the policy apply', options: names }),
  ];
}

function scopeOfOptions(config: PolicyConfig, options: TlsOptionsLike): { host: NormalizedHost; inScope: boolean } {
  const hosts = namedHosts(options);
  return { host: hosts[0] ?? normalizeHost(undefined), inScope: anyInScope(config.scope, hosts) };
}

/** A policy agent passes when its policy is at least as strict as the one checking it. */
function comparePolicies(wanted: PolicyConfig, actual: PolicyConfig, ctx: ViolationContext): PolicyViolation[] {
  const names = weakerIn(actual, wanted);
  if (names.length === 0) return [];
  return [makeViolation(ctx, { kind: 'insecure-options', detail: "the agent's policy is weaker than the policy checked", options: names })];
}
