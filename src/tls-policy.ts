import { EventEmitter } from 'node:events';
import * as tls from 'node:tls';
import { checkTarget, type CheckTarget } from './engine/checker.js';
import { processContexts } from './engine/context-cache.js';
import { planConnection, portableOptions } from './engine/plan.js';
import { attachPort, hasPort, type PolicyPort } from './engine/port.js';
import { guardSocket } from './engine/socket-guard.js';
import type { TlsPolicyStats } from './observe/policy-stats.js';
import { PolicySink } from './observe/sink.js';
import { invalidOption } from './policy/errors.js';
import { resolvePolicyOptions, type PolicyConfig, type TlsPolicyOptions } from './policy/options.js';
import { normalizeTarget } from './policy/scope.js';
import type { TlsOptionsLike } from './policy/tls-options.js';
import type { PolicyReport, PolicyViolation, RuntimeFinding, SecureConnectionEvent, TlsFloor } from './policy/types.js';
import { policyError } from './policy/violations.js';

export interface TlsPolicyEvents {
  violation: [violation: PolicyViolation];
  secure: [event: SecureConnectionEvent];
  /** A finding of the runtime audit, reported once when the policy is installed process-wide. */
  finding: [finding: RuntimeFinding];
}

/**
 * A TLS policy: which hosts it covers and what it demands of them. Emits `'violation'` for
 * every downgrade attempt it sees and `'secure'` for every in-scope connection that passed.
 * A facade: the decisions are the engine's (engine/plan.ts, engine/verdict.ts), what it
 * tells the world goes through its sink (observe/sink.ts).
 */
export class TlsPolicy extends EventEmitter<TlsPolicyEvents> {
  readonly #config: PolicyConfig;
  readonly #sink: PolicySink;
  readonly #port: PolicyPort;

  constructor(options?: TlsPolicyOptions) {
    super();
    this.#config = resolvePolicyOptions(options);
    this.#sink = new PolicySink(this, this.#config);
    this.#port = attachPort(this, { config: this.#config, contexts: processContexts(), sink: this.#sink });
  }

  /**
   * `instanceof` works across copies of this package (the ESM and CommonJS builds, and each
   * bundled entry such as `m365-tls-policy/register`), like `isTlsPolicy`.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isTlsPolicy(value);
  }

  get minVersion(): TlsFloor {
    return this.#config.minVersion;
  }
  get mode(): 'enforce' | 'report' {
    return this.#config.mode;
  }
  get ciphers(): 'strong' | 'node-default' {
    return this.#config.ciphers;
  }
  get insecureOptions(): 'override' | 'refuse' {
    return this.#config.insecureOptions;
  }
  /** The normalised host patterns in scope, or `'*'` for every host. */
  get hosts(): readonly string[] | '*' {
    return this.#config.scope.patterns;
  }

  /**
   * What the policy has seen: connections per host by protocol and cipher, violations by kind
   * and action, first and last seen. Bounded: past 256 hosts, the rest count as `'(other)'`.
   */
  stats(): TlsPolicyStats {
    return this.#sink.stats();
  }

  /** Starts the counters afresh (for example after reading them into a report). */
  resetStats(): void {
    this.#sink.resetStats();
  }

  /** Does the policy cover this host or URL? Undeterminable input counts as covered. */
  appliesTo(hostOrUrl: string | URL): boolean {
    return this.#config.scope.matches(normalizeTarget(hostOrUrl));
  }

  /** Judges a URL/host, TLS or request options, an agent or a connected TLS socket, offline. */
  check(target: CheckTarget): PolicyReport {
    return checkTarget(this.#config, target);
  }

  /** Like {@link check}, but throws a `TlsPolicyError` listing every violation. */
  assert(target: CheckTarget): void {
    const report = this.check(target);
    if (!report.ok) throw policyError(report.violations, undefined, 'TLS policy check failed');
  }

  /**
   * Hardened TLS options for `host`, for libraries that take options rather than an agent
   * (nodemailer's and imapflow's `tls`). Out-of-scope hosts get an unchanged copy of `base`.
   * Weakening options in `base` are overridden and reported, or refused (a thrown error),
   * as `insecureOptions` says; in report mode they are only reported.
   */
  tlsOptions(host: string, base: tls.ConnectionOptions = {}): tls.ConnectionOptions {
    if (typeof host !== 'string') throw invalidOption('host', 'a host name string', host);
    if (typeof base !== 'object' || base === null) throw invalidOption('base', 'an object of TLS options', base);
    const target = normalizeTarget(host);
    const plan = planConnection(this.#port, {
      ...(base as TlsOptionsLike),
      host: base.host ?? host,
      // The name the library will verify and send as SNI, unless the caller chose one.
      servername: base.servername ?? (target.kind === 'name' ? target.name : undefined),
    });
    if (plan.refused !== undefined) throw plan.refused;
    if (!plan.hardened) return { ...base };
    const options = portableOptions(plan);
    if (base.host === undefined) delete options.host;
    if (options.servername === undefined) delete options.servername;
    return options;
  }

  /**
   * `tls.connect` under the policy: hardened options for in-scope hosts, the socket corked
   * until the handshake is verified, failures as TlsPolicyError, events and logs. For STARTTLS
   * upgrades (`{ socket }`) and libraries that let you supply the TLS connect function.
   * `secureListener` runs only for a connection that passed.
   */
  tlsConnect(options: tls.ConnectionOptions, secureListener?: () => void): tls.TLSSocket {
    if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object of tls.connect options', options);
    const plan = planConnection(this.#port, options as TlsOptionsLike);
    if (plan.refused !== undefined) throw plan.refused;
    // The guard rules inside the 'secureConnect' emit, so the listener never runs for a refused socket.
    const socket = secureListener === undefined ? tls.connect(plan.options) : tls.connect(plan.options, secureListener);
    guardSocket(this.#port, socket, plan);
    return socket;
  }

  /**
   * Post-handshake report on a connected socket (for STARTTLS upgrades and sockets made
   * elsewhere): negotiated version, cipher, certificate verification and name. Pure: it emits
   * nothing; destroy the socket yourself when `ok` is false.
   */
  verifySocket(socket: tls.TLSSocket, host?: string): PolicyReport {
    return checkTarget(this.#config, socket, host);
  }
}

/** True for a policy from any copy of this package. */
export function isTlsPolicy(value: unknown): value is TlsPolicy {
  return hasPort(value);
}

/** Creates a policy; options are validated at once. */
export function createTlsPolicy(options?: TlsPolicyOptions): TlsPolicy {
  return new TlsPolicy(options);
}

/** A policy from a policy or options (the shape most entry points accept). */
export function toPolicy(policy: TlsPolicy | TlsPolicyOptions | undefined, path = 'policy'): TlsPolicy {
  if (policy === undefined) return new TlsPolicy();
  if (isTlsPolicy(policy)) return policy;
  if (typeof policy !== 'object' || policy === null) throw invalidOption(path, 'a TlsPolicy or an object of TlsPolicyOptions', policy);
  return new TlsPolicy(policy);
}

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
