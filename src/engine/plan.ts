import type { TlsPolicyError } from '../policy/errors.js';
import { anyInScope, displayHost, namedHosts } from '../policy/scope.js';
import { hardenTlsOptions, type TlsOptionsLike, weakeningOptions } from '../policy/tls-options.js';
import { actionFor, makeViolation, policyError, type ViolationContext } from '../policy/violations.js';
import type { PolicyPort } from './port.js';
import { KEYS, sharedState } from './registry.js';

/**
 * What the policy decided for one outgoing connection, before it is made. The only place a
 * connection's scope and hardening are decided: the https agent, the fetch dispatcher, the
 * process-wide install, `policy.tlsConnect` and `policy.tlsOptions` all plan through here,
 * and hand the handshake to the one verdict (verdict.ts).
 */
export interface ConnectionPlan {
  /** In scope by a name the connection carries (a certificate can still bring it in after the handshake). */
  readonly inScope: boolean;
  /** The options were hardened (in scope, enforce mode): Node checks floor, suites and identity itself. */
  readonly hardened: boolean;
  readonly ctx: ViolationContext;
  /** The options to connect with: hardened for in-scope hosts in enforce mode, else the caller's. */
  readonly options: TlsOptionsLike;
  /** Set when the connection must not be attempted at all (`insecureOptions: 'refuse'`). */
  readonly refused?: TlsPolicyError;
}

/**
 * Decides scope, hardens (or judges) the caller's options and reports weakening ones. The
 * policy is applied last, over agent and request options alike, so nothing the caller or a
 * library wrote into them can lower it.
 */
export function planConnection(port: PolicyPort, options: TlsOptionsLike): ConnectionPlan {
  const { config } = port;
  const hosts = namedHosts(options);
  const inScope = anyInScope(config.scope, hosts);
  // Report the name, not the address: a connection to 127.0.0.1 with SNI outlook.office365.com
  // is about outlook.office365.com.
  const primary = hosts.find((h) => h.kind === 'name') ?? hosts[0];
  const ctx: ViolationContext = {
    host: primary === undefined ? '(unknown)' : displayHost(primary),
    port: typeof options.port === 'number' ? options.port : Number(options.port) || undefined,
    servername: typeof options.servername === 'string' && options.servername !== '' ? options.servername : undefined,
  };
  const marked = { ...options, [KEYS.guardedBy]: port };
  if (!inScope) return { inScope, hardened: false, ctx, options: marked };
  const weak = weakeningOptions(options, config);
  if (weak.length > 0) {
    const action = actionFor(config.mode, config.insecureOptions === 'refuse' ? 'block' : 'override');
    const detail = action === 'blocked' ? 'TLS options weaker than the policy; connection refused' : 'TLS options weaker than the policy';
    const v = makeViolation(ctx, { kind: 'insecure-options', detail, options: weak, action });
    port.sink.violations([v]);
    if (action === 'blocked') return { inScope, hardened: false, ctx, options, refused: policyError([v]) };
  }
  if (config.mode !== 'enforce') return { inScope, hardened: false, ctx, options: marked };
  const hardened: TlsOptionsLike = { ...hardenTlsOptions(options, config), [KEYS.guardedBy]: port };
  // Resume only sessions made under a policy. A session cached from a connection made before
  // the policy applied (a pooled agent before a process-wide install, weaker caller options)
  // may carry a suite the hardened ClientHello no longer offers, which servers answer with a
  // fatal alert, or a suite the policy would not allow at all.
  if (hardened.session !== undefined && !sharedState().policySessions.has(hardened.session)) delete hardened.session;
  // Reuse one hardened SecureContext instead of letting tls.connect build one per connection.
  hardened.secureContext = port.contexts.get(hardened);
  return { inScope, hardened: true, ctx, options: hardened };
}

/**
 * A plan's options for code that connects by itself (`policy.tlsOptions` for nodemailer,
 * imapflow): without the SecureContext and the guard marker, which only mean something to
 * the socket this engine watches.
 */
export function portableOptions(plan: ConnectionPlan): TlsOptionsLike {
  const { secureContext: _context, ...rest } = plan.options;
  delete rest[KEYS.guardedBy as unknown as string];
  return rest;
}

/** Was this connection planned by `port` (its agent, dispatcher or tlsConnect)? */
export function plannedBy(options: object, port: PolicyPort): boolean {
  return (options as Record<symbol, unknown>)[KEYS.guardedBy] === port;
}
