/**
 * All state shared between copies of this package lives here, and nowhere else.
 *
 * A process can hold several copies: the ESM and CommonJS builds, each bundled entry
 * (`m365-tls-policy/register` has its own), or two versions pinned by different dependencies.
 * They cooperate through registry symbols (`Symbol.for`), which every copy sees alike: brands
 * on objects (errors, policies, agents), a marker on connection options, and one state object
 * on `globalThis`. Those shapes are a protocol between copies, so they carry a version: two
 * copies that speak the same protocol cooperate; two that do not refuse to, with an error
 * that names both (failing closed beats half-cooperating on a security decision).
 */
import { ERROR_BRAND, TlsPolicyError } from '../policy/errors.js';
import { PACKAGE_VERSION } from '../support/version.js';

/** The version of every shape below. Bump it whenever one of them changes. */
export const REGISTRY_PROTOCOL = 1;
/** This copy's package version, named in incompatibility errors. */
export { PACKAGE_VERSION };

/** Registry symbols. The key names are part of the protocol: never rename one without a bump. */
export const KEYS = Object.freeze({
  /** On a TlsPolicyError: the brand `instanceof` and `isTlsPolicyError` read (policy/errors.ts). */
  errorBrand: ERROR_BRAND,
  /** On a TlsPolicy: its port, the object every adapter and the engine talk to. */
  port: Symbol.for('m365-tls-policy.policy-internals'),
  /** On an agent or dispatcher made by this package: the policy it enforces. */
  policyOf: Symbol.for('m365-tls-policy.agent'),
  /**
   * On connection options: the port of the policy that planned and guards them, so the
   * process-wide `tls.connect` wrapper of the same policy lets them pass instead of checking
   * twice. Enumerable where it is set: options are spread on their way to tls.connect, and
   * only own enumerable keys survive that.
   */
  guardedBy: Symbol.for('m365-tls-policy.guarded-by'),
  /** On globalThis: the shared state. */
  state: Symbol.for('m365-tls-policy.shared-state'),
});

// Keys of protocol 0 (version 0.1.0 and older), which had no version: their presence means
// such a copy is loaded, and it would neither see nor honour this copy's state.
const PROTOCOL_0_KEYS = ['policy-sessions', 'guarded-sockets', 'installed'].map((k) => Symbol.for(`m365-tls-policy.${k}`));

/** Process-wide state, one object for every copy that speaks this protocol. */
export interface SharedState {
  readonly protocol: number;
  /** The package version of the copy that created the state. */
  readonly createdBy: string;
  /** TLS sessions issued on connections a policy judged, with what was known then (engine/sessions.ts). */
  readonly policySessions: WeakMap<Uint8Array, object>;
  /** Sockets watched by a policy from their creation, with the ports of the policies that watch them. */
  readonly guardedSockets: WeakMap<object, Set<object>>;
  /** Every policy port made by a copy of this protocol: a guard marker is honoured only for these. */
  readonly ports: WeakSet<object>;
  /**
   * Every agent and dispatcher a copy of this protocol made, with the method that connects
   * (`createConnection`, `dispatch`) as it was then: a policy marker is believed only on these,
   * while that method is still the one the package gave them.
   */
  readonly clients: WeakMap<object, { readonly method: string; readonly fn: unknown }>;
  /** SecureContexts a policy built from hardened options: a policy's own, never a caller's weakening. */
  readonly policyContexts: WeakSet<object>;
  /** The process-wide installation (process/install.ts), if any. */
  installation: unknown;
  /** Hardened SecureContexts, one per distinct set of options, for every policy (engine/context-cache.ts). */
  contexts: unknown;
  /** TLS sessions of hardened connections, by context, identity check, name, host and port (engine/session-store.ts). */
  readonly sessionStore: Map<string, Buffer>;
  /** Ids of objects that key the session store (contexts, identity-check functions). */
  readonly objectIds: WeakMap<object, number>;
  nextObjectId: number;
}

/** The shared state; throws ERR_TLS_POLICY_INCOMPATIBLE_COPY when another protocol holds it. */
export function sharedState(): SharedState {
  const g = globalThis as Record<symbol, unknown>;
  const existing = g[KEYS.state] as Partial<SharedState> | undefined;
  if (existing !== undefined) {
    if (existing.protocol !== REGISTRY_PROTOCOL) throw incompatible(existing.protocol, existing.createdBy);
    return existing as SharedState;
  }
  if (PROTOCOL_0_KEYS.some((key) => g[key] !== undefined)) throw incompatible(0, '0.1.0 or older');
  const state: SharedState = {
    protocol: REGISTRY_PROTOCOL,
    createdBy: PACKAGE_VERSION,
    policySessions: new WeakMap(),
    guardedSockets: new WeakMap(),
    ports: new WeakSet(),
    clients: new WeakMap(),
    policyContexts: new WeakSet(),
    installation: undefined,
    contexts: undefined,
    sessionStore: new Map(),
    objectIds: new WeakMap(),
    nextObjectId: 1,
  };
  // Not enumerable and not writable: nothing should replace it, and a copy that does not speak
  // this protocol must find it and stop rather than overwrite it.
  Object.defineProperty(g, KEYS.state, { value: state, enumerable: false, writable: false, configurable: false });
  return state;
}

/** The error for a copy of another protocol; names both copies. */
export function incompatible(protocol: unknown, version: unknown): TlsPolicyError {
  const other = `${typeof version === 'string' ? version : 'unknown version'}, protocol ${String(protocol ?? 'none')}`;
  return new TlsPolicyError(
    'ERR_TLS_POLICY_INCOMPATIBLE_COPY',
    `two copies of m365-tls-policy that cannot cooperate are loaded in this process: this one (${PACKAGE_VERSION}, protocol ${REGISTRY_PROTOCOL}) and another (${other}); ` +
      'deduplicate the package (npm ls m365-tls-policy) so that one version serves the whole process',
  );
}

/** The value of a registry symbol on an object (an own property only: never inherited), or undefined. */
export function brandOf(value: unknown, key: symbol): unknown {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, key) ? (value as Record<symbol, unknown>)[key] : undefined;
}
