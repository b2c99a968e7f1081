import type * as tls from 'node:tls';
import type { ConnectionPlan } from './plan.js';
import { weakerIn } from '../policy/compare.js';
import type { PolicyPort } from './port.js';
import { sharedState } from './registry.js';
import { storeSession } from './session-store.js';
import { SessionWatch } from './sessions.js';
import { failureToViolation, judgeHandshake } from './verdict.js';

type Emit = (this: tls.TLSSocket, event: string | symbol, ...args: unknown[]) => boolean;

/** Records that `port`'s policy watches this socket (from its creation, or judged its handshake). */
export function markWatched(socket: tls.TLSSocket, port: PolicyPort): void {
  const { guardedSockets } = sharedState();
  const ports = guardedSockets.get(socket);
  if (ports === undefined) guardedSockets.set(socket, new Set([port]));
  else ports.add(port);
}

/**
 * Is this socket watched by `port`'s policy, or by one at least as strict? A socket made before
 * a process-wide install, or judged only by a weaker policy, is not.
 */
export function watchedFor(socket: object, port: PolicyPort): boolean {
  const ports = sharedState().guardedSockets.get(socket) as Set<PolicyPort> | undefined;
  if (ports === undefined) return false;
  for (const p of ports) if (p === port || weakerIn(p.config, port.config).length === 0) return true;
  return false;
}

/**
 * Watches one TLS socket made from a plan. The socket is corked until the handshake has been
 * judged, so not one application byte (request line, headers, an Authorization token) reaches
 * a server that fails the policy; failures are destroyed with a TlsPolicyError in place of
 * Node's error, which is kept as `cause`.
 */
export function guardSocket(port: PolicyPort, socket: tls.TLSSocket, plan: ConnectionPlan, onSession?: (session: Buffer) => void): void {
  markWatched(socket, port);
  const key = plan.sessionKey;
  const sessions = new SessionWatch(socket, (session) => {
    onSession?.(session);
    if (key !== undefined) storeSession(key, session);
  });
  // Corked in report mode too: writes queued before the handshake would otherwise fail as a
  // bare `write EPROTO`, hiding the OpenSSL code that tells a legacy server from an attack.
  socket.cork();
  const verdict = { settled: false };
  if (plan.inScope) hookFailure(socket, verdict, (error) => failureToViolation(port, plan, error));
  hookSecureConnect(socket, verdict, () => judgeHandshake(port, socket, plan, sessions));
}

/**
 * Swaps Node's error for the policy's at `destroy`, the one door every handshake failure goes
 * through: the error then becomes the stream's `errored` state, so the 'error' event and the
 * callbacks of writes queued behind the cork (which Node 24's http hands to clients such as
 * got) all carry the TlsPolicyError. Only the first failure before the verdict is read.
 */
function hookFailure(socket: tls.TLSSocket, verdict: { settled: boolean }, read: (error: Error) => Error): void {
  const destroy = socket.destroy;
  let done = false;
  socket.destroy = function policyDestroy(this: tls.TLSSocket, error?: Error): tls.TLSSocket {
    if (error && !verdict.settled && !done && !this.destroyed) {
      done = true;
      return destroy.call(this, read(error));
    }
    return destroy.call(this, error);
  };
}

/**
 * Takes the verdict inside the 'secureConnect' emit itself, before any listener runs: a
 * refused socket never reaches the listeners (undici's connector, a tls.connect callback), so
 * nobody can be told "connected" about it. A passed socket is uncorked, then announced.
 */
function hookSecureConnect(socket: tls.TLSSocket, verdict: { settled: boolean }, judge: () => Error | undefined): void {
  const emit = socket.emit as Emit;
  const policyEmit: Emit = function policyEmit(this: tls.TLSSocket, event, ...args) {
    if (event !== 'secureConnect' || verdict.settled) return emit.call(this, event, ...args);
    verdict.settled = true;
    // Off the hot path from here on: every 'data' event of a keep-alive socket would
    // otherwise pass through this wrapper for the socket's whole life.
    if (this.emit === (policyEmit as unknown)) this.emit = emit as typeof this.emit;
    const refusal = judge();
    if (refusal !== undefined) {
      this.destroy(refusal);
      return false;
    }
    this.uncork();
    return emit.call(this, event, ...args);
  };
  socket.emit = policyEmit as typeof socket.emit;
}
