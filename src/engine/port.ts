import type { PolicyConfig } from '../policy/options.js';
import type { PolicyViolation, RuntimeFinding, SecureConnectionEvent } from '../policy/types.js';
import type { SecureContextCache } from './context-cache.js';
import { brandOf, incompatible, KEYS, REGISTRY_PROTOCOL, sharedState } from './registry.js';

/** Where the engine sends what it sees (observe/sink.ts implements it). */
export interface PolicySink {
  /** Records, logs and emits each violation; listener errors never break connection handling. */
  violations(violations: readonly PolicyViolation[]): void;
  /** Records, logs and emits an in-scope connection that passed. */
  secure(event: SecureConnectionEvent): void;
  /** Logs and emits the runtime audit's findings (not violations: they are about the process). */
  findings(findings: readonly RuntimeFinding[]): void;
}

/**
 * A policy as the engine and the adapters see it: its configuration, its cache of hardened
 * SecureContexts and its sink. It sits on every TlsPolicy under a registry symbol, so a
 * policy made by one copy of this package works in another copy of the same protocol.
 * Not public API.
 */
export interface PolicyPort {
  readonly protocol: number;
  readonly config: PolicyConfig;
  /** Hardened SecureContexts, built once per distinct set of options (context-cache.ts). */
  readonly contexts: SecureContextCache;
  readonly sink: PolicySink;
}

/** Attaches a port to a policy object (once, not enumerable, not writable). */
export function attachPort(policy: object, port: Omit<PolicyPort, 'protocol'>): PolicyPort {
  const full: PolicyPort = Object.freeze({ protocol: REGISTRY_PROTOCOL, ...port });
  Object.defineProperty(policy, KEYS.port, { value: full });
  sharedState().ports.add(full);
  return full;
}

/** Does the value carry a port (of any protocol)? */
export function hasPort(value: unknown): boolean {
  const port = brandOf(value, KEYS.port);
  return typeof port === 'object' && port !== null;
}

/**
 * The port of a policy from any copy of this package. A policy of another protocol is refused
 * with ERR_TLS_POLICY_INCOMPATIBLE_COPY: its shapes may differ from what this engine expects.
 */
export function portOf(policy: object): PolicyPort {
  const port = brandOf(policy, KEYS.port) as Partial<PolicyPort> | undefined;
  if (port === undefined || port === null || port.protocol !== REGISTRY_PROTOCOL) {
    throw incompatible(port?.protocol, undefined);
  }
  return port as PolicyPort;
}

/** Is this a port of this protocol, made by a policy (not an object that only looks like one)? */
export function isPort(value: unknown): value is PolicyPort {
  return typeof value === 'object' && value !== null && sharedState().ports.has(value);
}

/**
 * Marks an agent or dispatcher as enforcing `policy` (its policy marker), and records it as made
 * by this package: the marker alone proves nothing, since any object can carry the same key.
 */
export function markClient(client: object, policy: object, method: 'createConnection' | 'dispatch'): void {
  const fn = (client as Record<string, unknown>)[method];
  // Only a client that has the method it connects with: "no method then, none now" proves nothing.
  if (typeof fn !== 'function') throw new TypeError(`a policy client must have a ${method} method`);
  Object.defineProperty(client, KEYS.policyOf, { value: policy, enumerable: false });
  sharedState().clients.set(client, { method, fn });
}

/**
 * Made by this package, and still connecting through the method it was given? A replaced
 * `createConnection` (own property, or a swapped prototype) enforces nothing the check can see.
 */
function madeHere(client: object): boolean {
  const made = sharedState().clients.get(client);
  if (made === undefined) return false;
  try {
    return (client as Record<string, unknown>)[made.method] === made.fn;
  } catch {
    return false; // a getter that throws: cannot tell, so not believed
  }
}

/** Was this agent or dispatcher made by a copy of this package, with a policy marker? */
export function isMarkedClient(client: unknown): boolean {
  return typeof client === 'object' && client !== null && brandOf(client, KEYS.policyOf) !== undefined && madeHere(client);
}

/** Was this an https agent made by a copy of this package (not a dispatcher), with a policy marker? */
export function isMarkedAgent(client: unknown): boolean {
  return isMarkedClient(client) && sharedState().clients.get(client as object)?.method === 'createConnection';
}

/**
 * What an agent or dispatcher says of its policy: none (no policy marker), the port of the policy
 * a client this package made enforces, or 'unproven' — a marker on a client no copy of this
 * package made, or pointing at something no policy made — which a check must not believe.
 */
export function portOfClient(client: unknown): PolicyPort | 'unproven' | undefined {
  const policy = brandOf(client, KEYS.policyOf);
  if (policy === undefined) return undefined;
  if (typeof policy !== 'object' || policy === null || !hasPort(policy)) return 'unproven';
  const port = portOf(policy); // a policy of another protocol throws ERR_TLS_POLICY_INCOMPATIBLE_COPY
  const made = typeof client === 'object' && client !== null && madeHere(client);
  return made && isPort(port) ? port : 'unproven';
}
