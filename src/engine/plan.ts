import type { TlsPolicyError } from '../policy/errors.js';
import { anyInScope, displayHost, namedHosts } from '../policy/scope.js';
import { hardenTlsOptions, plannedIdentity, type TlsOptionsLike, weakeningOptions } from '../policy/tls-options.js';
import { actionFor, makeViolation, policyError, type ViolationContext } from '../policy/violations.js';
import { isPort, type PolicyPort } from './port.js';
import { brandOf, KEYS, sharedState } from './registry.js';
import { sessionKey as sessionKeyOf, storedSession } from './session-store.js';
import { recordOf, type SessionRecord } from './sessions.js';

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
  /** What was known when the session these options offer was issued (none offered: undefined). */
  readonly resumes?: SessionRecord | undefined;
  /** Where the sessions of this (hardened) connection are kept in the process-wide store. */
  readonly sessionKey?: string | undefined;
  /** The name the certificate must be verified for (the in-scope one the policy puts back, where an escape was overridden). */
  readonly identity: string | undefined;
  /** Set when the connection must not be attempted at all (`insecureOptions: 'refuse'`). */
  readonly refused?: TlsPolicyError;
}

/**
 * Decides scope, hardens (or judges) the caller's options and reports weakening ones. The
 * policy is applied last, over agent and request options alike, so nothing the caller or a
 * library wrote into them can lower it.
 */
export function planConnection(port: PolicyPort, given: TlsOptionsLike): ConnectionPlan {
  const { config } = port;
  // One read of the caller's options: every decision below, and the options Node gets, come
  // from this snapshot, so a getter cannot answer one thing to the check and another to Node.
  const options = withoutPolicyContext({ ...given });
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
  // Offer only sessions issued to connections a policy judged and passed: never a refused
  // connection's (its scope may have come from a certificate a resumed handshake no longer
  // shows), nor one made before a policy applied or under weaker options (it may carry a suite
  // the hardened ClientHello no longer offers). Set explicitly, even to undefined: Node's
  // https.Agent adds its cached session only where the options name none.
  const identity = plannedIdentity(options, config);
  const resumes = recordOf(options.session, identity, { port, inScope });
  const session = resumes === undefined ? undefined : options.session;
  const marked = { ...options, session, [KEYS.guardedBy]: port };
  if (!inScope) return { inScope, hardened: false, ctx, options: marked, resumes, identity };
  const weak = weakeningOptions(options, config);
  if (weak.length > 0) {
    const action = actionFor(config.mode, config.insecureOptions === 'refuse' ? 'block' : 'override');
    const detail = action === 'blocked' ? 'TLS options weaker than the policy; connection refused' : 'TLS options weaker than the policy';
    const v = makeViolation(ctx, { kind: 'insecure-options', detail, options: weak, action });
    port.sink.violations([v]);
    if (action === 'blocked') return { inScope, hardened: false, ctx, options, identity, refused: policyError([v]) };
  }
  if (config.mode !== 'enforce') return { inScope, hardened: false, ctx, options: marked, resumes, identity };
  const hardened: TlsOptionsLike = { ...hardenTlsOptions(options, config), [KEYS.guardedBy]: port };
  // Reuse one hardened SecureContext instead of letting tls.connect build one per connection.
  hardened.secureContext = port.contexts.get(hardened);
  // No session from the client: the process-wide store may hold one for exactly this context,
  // identity check, name, host and port (a new agent per request still resumes). It passes
  // the same record check as any other.
  const sessionKey = sessionKeyOf(hardened);
  const stored = options.session === undefined ? storedSession(sessionKey) : undefined;
  const storedResumes = stored === undefined ? undefined : recordOf(stored, identity, { port, inScope });
  hardened.session = storedResumes === undefined ? session : stored;
  return { inScope, hardened: true, ctx, options: hardened, resumes: storedResumes ?? resumes, identity, sessionKey };
}

/**
 * A SecureContext that a policy built (another policy's agent, seen by a process-wide install)
 * is that policy's hardening, not a caller's weakening: the options are judged without it, and
 * hardened with this policy's own. A caller's SecureContext stays, and is judged.
 */
function withoutPolicyContext(options: TlsOptionsLike): TlsOptionsLike {
  if (options.secureContext === undefined || !sharedState().policyContexts.has(options.secureContext)) return options;
  const { secureContext: _policyOwn, ...rest } = options;
  return rest;
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

/** The port of the policy that planned these options (its agent, dispatcher or tlsConnect), if any. */
export function plannerOf(options: object): PolicyPort | undefined {
  const port = brandOf(options, KEYS.guardedBy);
  return isPort(port) ? port : undefined;
}
