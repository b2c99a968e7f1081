import type * as tls from 'node:tls';
import type { TlsOptionsLike } from '../policy/tls-options.js';
import { sharedState } from './registry.js';

/**
 * One process-wide store of TLS sessions for hardened connections, shared by every policy
 * agent, dispatcher, `tlsConnect` and the install: a client made per tenant, per job or per
 * request resumes the session an earlier one was issued, instead of paying a full handshake.
 *
 * A session is only ever offered where it is safe, so the key holds everything a trust decision
 * depends on: the hardened SecureContext (its CA set, client certificate, floor and suites: one
 * context per distinct set, engine/context-cache.ts), the caller's identity check (a pin), the
 * server name verified, and the host and port. A session from a client trusting CA set X is
 * never offered to one trusting Y. Only sessions of connections that passed a verdict with
 * nothing to report are stored (engine/sessions.ts), and the planner still checks each one's
 * record before offering it.
 */
const MAX_SESSIONS = 1024;

export function sessionKey(options: TlsOptionsLike): string | undefined {
  const context = options.secureContext;
  if (context === undefined) return undefined;
  const identityCheck = typeof options.checkServerIdentity === 'function' ? idOf(options.checkServerIdentity) : 'node';
  const servername = typeof options.servername === 'string' ? options.servername : '';
  return `${idOf(context)}|${identityCheck}|${servername}|${String(options.host ?? '')}|${String(options.port ?? '')}`;
}

/** The session stored under a key (the most recent one), if any. */
export function storedSession(key: string | undefined): Buffer | undefined {
  return key === undefined ? undefined : sharedState().sessionStore.get(key);
}

/** Stores a session under a key: most recent first, bounded (the oldest key is dropped). */
export function storeSession(key: string, session: Buffer): void {
  const store = sharedState().sessionStore;
  store.delete(key);
  if (store.size >= MAX_SESSIONS) store.delete(store.keys().next().value as string);
  store.set(key, session);
}

function idOf(value: object | tls.SecureContext): string {
  const state = sharedState();
  let id = state.objectIds.get(value);
  if (id === undefined) {
    id = state.nextObjectId++;
    state.objectIds.set(value, id);
  }
  return String(id);
}
