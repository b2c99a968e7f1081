import type * as tls from 'node:tls';
import { classifyTlsError } from '../policy/classify.js';
import type { TlsPolicyError } from '../policy/errors.js';
import type { PolicyInternals } from './port.js';
import { anyInScope, displayHost, namedHosts } from '../policy/scope.js';
import { certificateInScope, inspectSocket } from './socket-checks.js';
import { hardenTlsOptions, weakeningOptions, type TlsOptionsLike } from '../policy/tls-options.js';
import type { PolicyViolation } from '../policy/types.js';
import { makeViolation, policyError, withAction, type ViolationContext } from '../policy/violations.js';

/**
 * Marks connection options that a policy already plans and guards (its agent, its
 * dispatcher), so the process-wide `tls.connect` wrapper of the same policy lets them pass
 * instead of checking twice. A registry symbol, and enumerable: the options are spread on
 * their way to tls.connect, and only own enumerable keys survive that.
 */
export const GUARDED_BY = Symbol.for('m365-tls-policy.guarded-by');

/** What the policy decided for one outgoing connection, before it is made. */
export interface ConnectionPlan<T extends TlsOptionsLike = TlsOptionsLike> {
  /** In scope by host or server name (a certificate can still bring it in after the handshake). */
  readonly inScope: boolean;
  readonly ctx: ViolationContext;
  /** The options to connect with: hardened for in-scope hosts in enforce mode, else the caller's. */
  readonly options: T;
  /** Set when the connection must not be attempted at all (`insecureOptions: 'refuse'`). */
  readonly refused?: TlsPolicyError;
}

/**
 * Decides scope, hardens (or judges) the caller's options and reports weakening ones. The
 * policy is applied last, over agent and request options alike, so nothing the caller or a
 * library wrote into them can lower it.
 */
export function planConnection<T extends TlsOptionsLike>(internals: PolicyInternals, options: T): ConnectionPlan<T> {
  const { config } = internals;
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
  if (!inScope) return { inScope, ctx, options: { ...options, [GUARDED_BY]: internals } };
  const weak = weakeningOptions(options, config);
  const enforce = config.mode === 'enforce';
  if (weak.length > 0) {
    const refuse = enforce && config.insecureOptions === 'refuse';
    const action = enforce ? (refuse ? 'blocked' : 'overridden') : 'reported';
    const detail = refuse ? 'TLS options weaker than the policy; connection refused' : 'TLS options weaker than the policy';
    const v = makeViolation(ctx, { kind: 'insecure-options', detail, options: weak, action });
    internals.emitViolations([v]);
    if (refuse) return { inScope, ctx, options, refused: policyError([v]) };
  }
  if (!enforce) return { inScope, ctx, options: { ...options, [GUARDED_BY]: internals } };
  const hardened: TlsOptionsLike = { ...hardenTlsOptions(options, config), [GUARDED_BY]: internals };
  // Resume only sessions made under a policy. A session cached from a connection made before
  // the policy applied (a pooled agent before a process-wide install, weaker caller options)
  // may carry a suite the hardened ClientHello no longer offers, which servers answer with a
  // fatal alert, or a suite the policy would not allow at all.
  if (hardened.session !== undefined && !policySessions.has(hardened.session)) delete hardened.session;
  // Reuse one hardened SecureContext instead of letting tls.connect build one per connection.
  hardened.secureContext = internals.contexts.get(hardened);
  return { inScope, ctx, options: hardened as T };
}

// Both sets live on globalThis under registry symbols: every copy of this package in the
// process (ESM and CommonJS builds, each bundled entry) must see the same sockets and sessions.
function shared<T extends object>(name: string): WeakSet<T> {
  const g = globalThis as Record<symbol, WeakSet<T> | undefined>;
  return (g[Symbol.for(`m365-tls-policy.${name}`)] ??= new WeakSet<T>());
}

// TLS sessions issued on connections a policy watched: the only ones it lets clients resume.
const policySessions = shared<Buffer>('policy-sessions');

// Sockets some policy has watched from their creation. Sockets made before a process-wide
// install are not in it, so the installer can keep them from being reused (install.ts).
const guarded = shared<tls.TLSSocket>('guarded-sockets');

/** Was this socket watched by a policy from its creation? */
export function isGuarded(socket: tls.TLSSocket): boolean {
  return guarded.has(socket);
}

/**
 * Watches one TLS socket made from a plan. The socket is corked until the handshake has been
 * verified, so not one application byte (request line, headers, an Authorization token)
 * reaches a server that fails the policy; failures are destroyed with a TlsPolicyError in
 * place of Node's error, which is kept as `cause`.
 */
export function guardSocket(internals: PolicyInternals, socket: tls.TLSSocket, plan: ConnectionPlan): void {
  guarded.add(socket);
  const { config } = internals;
  // An out-of-scope connection is only watched for a certificate that names an in-scope
  // host; with every host in scope there is nothing a certificate could add.
  const certMayMatter = !plan.inScope && config.scope.patterns !== '*';
  if (!plan.inScope && !certMayMatter) return;
  if (plan.inScope) socket.on('session', (session: Buffer) => policySessions.add(session));
  // Corked in report mode too: writes queued before the handshake would otherwise fail as a
  // bare `write EPROTO`, hiding the OpenSSL code that tells a legacy server from an attack.
  socket.cork();
  let settled = false;

  if (plan.inScope) {
    // Swap Node's error for the policy's at `destroy`, the one door every handshake failure
    // goes through: the error then becomes the stream's `errored` state, so the 'error' event
    // and the callbacks of writes queued behind the cork (which Node 24's http hands to
    // clients such as got) all carry the TlsPolicyError.
    const destroy = socket.destroy;
    let read = false;
    socket.destroy = function policyDestroy(this: tls.TLSSocket, error?: Error): tls.TLSSocket {
      if (error && !settled && !read && !this.destroyed) {
        read = true;
        error = readFailure(internals, plan, error);
      }
      return destroy.call(this, error);
    };
  }

  // The verdict is taken inside the 'secureConnect' emit itself, before any listener runs: a
  // refused socket never reaches the listeners (undici's connector, a tls.connect callback),
  // so nobody can be told "connected" about it.
  const emit = socket.emit as (this: tls.TLSSocket, event: string | symbol, ...args: unknown[]) => boolean;
  const policyEmit = function policyEmit(this: tls.TLSSocket, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'secureConnect' || settled) return emit.call(this, event, ...args);
    settled = true;
    // Off the hot path from here on: every 'data' event of a keep-alive socket would
    // otherwise pass through this wrapper for the socket's whole life.
    if (this.emit === (policyEmit as unknown)) this.emit = emit as typeof this.emit;
    const refusal = judgeHandshake(internals, this, plan);
    if (refusal !== undefined) {
      this.destroy(refusal);
      return false;
    }
    this.uncork();
    return emit.call(this, event, ...args);
  };
  socket.emit = policyEmit as typeof socket.emit;
}

/**
 * The post-handshake verdict on a socket made from a plan: emits the violations (or the
 * 'secure' event) and returns the error to destroy the socket with, or undefined to let it
 * carry data. Fails closed: if the check itself throws, the connection is refused.
 */
export function judgeHandshake(internals: PolicyInternals, socket: tls.TLSSocket, plan: ConnectionPlan): TlsPolicyError | undefined {
  const enforce = internals.config.mode === 'enforce';
  try {
    return verifyHandshake(internals, socket, plan);
  } catch (error) {
    // A throwing getter or an odd certificate: the policy cannot tell, so it refuses.
    const v = makeViolation(plan.ctx, {
      kind: 'unverified-peer',
      detail: 'the policy could not verify the handshake, so it refused the connection',
      action: enforce ? 'blocked' : 'reported',
    });
    internals.emitViolations([v]);
    return enforce ? policyError([v], error) : undefined;
  }
}

function verifyHandshake(internals: PolicyInternals, socket: tls.TLSSocket, plan: ConnectionPlan): TlsPolicyError | undefined {
  const { config } = internals;
  const enforce = config.mode === 'enforce';
  if (!plan.inScope && !certificateInScope(socket, config)) return undefined;
  // Node has already checked the name for hardened in-scope connections; anything that ran
  // on the caller's options (report mode, scope known only from the certificate) is checked
  // here too.
  const checkIdentity = !enforce || !plan.inScope;
  const { ctx, violations } = inspectSocket(socket, config, plan.ctx, checkIdentity);
  if (violations.length > 0) {
    const acted = withAction(violations, enforce ? 'blocked' : 'reported');
    internals.emitViolations(acted);
    if (enforce) return policyError(acted);
  }
  internals.emitSecure({
    host: ctx.host,
    port: ctx.port,
    servername: ctx.servername,
    protocol: ctx.protocol ?? 'unknown',
    cipher: ctx.cipher ?? 'unknown',
    sessionReused: socket.isSessionReused(),
    cipherStandardName: socket.getCipher()?.standardName,
    time: new Date().toISOString(),
  });
  return undefined;
}

/** A handshake failure read by the policy: reported, and replaced by a TlsPolicyError when enforcing. */
export function readFailure(internals: PolicyInternals, plan: ConnectionPlan, error: Error): Error {
  const { config } = internals;
  const enforce = config.mode === 'enforce';
  const reading = classifyTlsError(error, enforce && config.ciphers === 'strong');
  if (reading === undefined) return error;
  const violation: PolicyViolation = makeViolation(plan.ctx, {
    kind: reading.kind,
    detail: DETAIL[reading.kind] ?? 'the TLS handshake failed the policy',
    nodeCode: reading.nodeCode,
    action: enforce ? 'blocked' : 'reported',
  });
  internals.emitViolations([violation]);
  return enforce ? policyError([violation], error) : error;
}

const DETAIL: Partial<Record<PolicyViolation['kind'], string>> = {
  'legacy-server': 'the server only speaks a TLS version below the policy floor',
  'downgrade-attack': 'the handshake was tampered with on the path (downgrade attempt)',
  'weak-cipher': 'no cipher suite in common with the policy (the server offers only suites outside it)',
  'unverified-peer': 'the server certificate failed verification',
};
