import { EventEmitter } from 'node:events';
import * as tls from 'node:tls';
import { checkTarget, type CheckTarget } from './engine/checker.js';
import { guardSocket, planConnection } from './engine/connection-guard.js';
import { invalidOption } from './policy/errors.js';
import { connectionLog, formatSecure, formatViolation, violationLog } from './observe/log.js';
import { POLICY_INTERNALS, internalsOf, type PolicyInternals } from './engine/port.js';
import { SecureContextCache } from './engine/context-cache.js';
import { LogLimiter } from './observe/log-limiter.js';
import { resolvePolicyOptions, type PolicyConfig, type TlsPolicyOptions } from './policy/options.js';
import { PolicyStats, type TlsPolicyStats } from './observe/policy-stats.js';
import { displayHost, normalizeTarget } from './policy/scope.js';
import { hardenTlsOptions, weakeningOptions, type TlsOptionsLike } from './policy/tls-options.js';
import type { PolicyReport, PolicyViolation, SecureConnectionEvent, TlsFloor } from './policy/types.js';
import { makeViolation, policyError } from './policy/violations.js';

export interface TlsPolicyEvents {
  violation: [violation: PolicyViolation];
  secure: [event: SecureConnectionEvent];
}

/**
 * A TLS policy: which hosts it covers and what it demands of them. Emits `'violation'` for
 * every downgrade attempt it sees and `'secure'` for every in-scope connection that passed.
 */
export class TlsPolicy extends EventEmitter<TlsPolicyEvents> {
  readonly #config: PolicyConfig;
  readonly #stats = new PolicyStats();
  readonly #limiter = new LogLimiter();
  declare readonly [POLICY_INTERNALS]: PolicyInternals;

  constructor(options?: TlsPolicyOptions) {
    super();
    this.#config = resolvePolicyOptions(options);
    const internals: PolicyInternals = {
      config: this.#config,
      contexts: new SecureContextCache(),
      emitViolations: (violations) => {
        for (const v of violations) {
          this.#stats.recordViolation(v);
          const log = violationLog();
          if (log.enabled) {
            const suppressed = this.#limiter.admit(`${v.host}\u0000${v.kind}`);
            if (suppressed >= 0) log('%s', formatViolation(v, suppressed));
          }
          safeEmit(this, 'violation', v);
        }
      },
      emitSecure: (event) => {
        this.#stats.recordSecure(event);
        const log = connectionLog();
        if (log.enabled) log('%s', formatSecure(event));
        safeEmit(this, 'secure', event);
      },
    };
    Object.defineProperty(this, POLICY_INTERNALS, { value: internals });
  }

  /**
   * `instanceof` works across copies of this package (the ESM and CommonJS builds, and each
   * bundled entry such as `m365-tls-policy/register`), like `isTlsPolicy`.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isTlsPolicy(value);
  }

  get minVersion(): TlsFloor { return this.#config.minVersion; }
  get mode(): 'enforce' | 'report' { return this.#config.mode; }
  get ciphers(): 'strong' | 'node-default' { return this.#config.ciphers; }
  get insecureOptions(): 'override' | 'refuse' { return this.#config.insecureOptions; }
  /** The normalised host patterns in scope, or `'*'` for every host. */
  get hosts(): readonly string[] | '*' { return this.#config.scope.patterns; }

  /**
   * What the policy has seen: connections per host by protocol and cipher, violations by kind
   * and action, first and last seen. Bounded: past 256 hosts, the rest count as `'(other)'`.
   */
  stats(): TlsPolicyStats {
    return this.#stats.snapshot();
  }

  /** Starts the counters afresh (for example after reading them into a report). */
  resetStats(): void {
    this.#stats.reset();
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
    const normalized = normalizeTarget(host);
    if (!this.#config.scope.matches(normalized)) return { ...base };
    const weakened = weakeningOptions(base as TlsOptionsLike, this.#config);
    const enforce = this.#config.mode === 'enforce';
    if (weakened.length > 0) {
      const refuse = enforce && this.#config.insecureOptions === 'refuse';
      const v = makeViolation(
        { host: displayHost(normalized) },
        { kind: 'insecure-options', detail: 'TLS options weaker than the policy', options: weakened, action: enforce ? (refuse ? 'blocked' : 'overridden') : 'reported' },
      );
      this[POLICY_INTERNALS].emitViolations([v]);
      if (refuse) throw policyError([v]);
    }
    if (!enforce) return { ...base };
    const hardened = hardenTlsOptions(base as TlsOptionsLike, this.#config);
    if (hardened.servername === undefined && normalized.kind === 'name') hardened.servername = normalized.name;
    return hardened;
  }

  /**
   * `tls.connect` under the policy: hardened options for in-scope hosts, the socket corked
   * until the handshake is verified, failures as TlsPolicyError, events and logs. For STARTTLS
   * upgrades (`{ socket }`) and libraries that let you supply the TLS connect function.
   * `secureListener` runs only for a connection that passed.
   */
  tlsConnect(options: tls.ConnectionOptions, secureListener?: () => void): tls.TLSSocket {
    if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object of tls.connect options', options);
    const internals = this[POLICY_INTERNALS];
    const plan = planConnection(internals, options as TlsOptionsLike);
    if (plan.refused !== undefined) throw plan.refused;
    // The guard rules inside the 'secureConnect' emit, so the listener never runs for a refused socket.
    const socket = secureListener === undefined ? tls.connect(plan.options) : tls.connect(plan.options, secureListener);
    guardSocket(internals, socket, plan);
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

function safeEmit<K extends keyof TlsPolicyEvents>(policy: TlsPolicy, event: K, ...args: TlsPolicyEvents[K]): void {
  try {
    (policy.emit as (e: K, ...a: TlsPolicyEvents[K]) => boolean)(event, ...args);
  } catch (error) {
    // A throwing listener is the application's bug; surface it like any uncaught error,
    // but only after the policy has finished protecting the connection.
    process.nextTick(() => {
      throw error;
    });
  }
}

/** True for a policy from any copy of this package. */
export function isTlsPolicy(value: unknown): value is TlsPolicy {
  return typeof value === 'object' && value !== null && internalsOf(value) !== undefined;
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

