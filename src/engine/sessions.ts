import { createHash } from 'node:crypto';
import type * as tls from 'node:tls';
import type { PolicyPort } from './port.js';
import { weakerIn } from '../policy/compare.js';
import { sharedState } from './registry.js';

/**
 * What was known of a connection when one of its TLS sessions was issued. A resumed handshake
 * carries no certificate, so scope and identity of a resumed connection are read from here.
 */
export interface SessionRecord {
  /** The policy that judged the issuing connection. */
  readonly port: PolicyPort;
  /** Was the issuing connection in scope (by a name it carried, or by its certificate)? */
  readonly inScope: boolean;
  /** The name its certificate was verified for (authorized, and the name checked): offered again only for that name. */
  readonly identity: string;
}

/**
 * A record as stored: with a digest of the session's bytes, so that a buffer rewritten in place
 * is not taken for it. A digest, not a copy: a TLS 1.3 session holds the peer's certificate
 * (kilobytes), and a copy doubled what each cached session costs.
 */
interface StoredRecord extends SessionRecord {
  readonly digest: Buffer;
}

const digestOf = (session: Uint8Array): Buffer => createHash('sha256').update(session).digest();

/**
 * The record of a session a client is about to offer for `identity`, or undefined: a session
 * this package did not see issued to a connection that passed a verdict with nothing to report
 * (a refused connection's, one from before a policy applied, one from weaker caller options),
 * or one issued for another name (Node skips the name check on a resumed handshake, so a
 * session issued by example.test must never be offered to graph.microsoft.com), is never
 * offered again.
 */
export function recordOf(
  session: unknown,
  identity: string | undefined,
  planner: { port: PolicyPort; inScope: boolean },
): SessionRecord | undefined {
  if (!(session instanceof Uint8Array) || identity === undefined) return undefined;
  const record = sharedState().policySessions.get(session) as StoredRecord | undefined;
  if (record === undefined || record.identity !== identity || !record.digest.equals(digestOf(session))) return undefined;
  // A resumed handshake shows no certificate to judge again: an in-scope connection resumes
  // only a session judged as in scope by a policy at least as strict as its own.
  if (planner.inScope && (!record.inScope || weakerIn(record.port.config, planner.port.config).length > 0)) return undefined;
  return record;
}

/**
 * Collects the sessions a socket is issued (TLS 1.2 before the handshake completes, TLS 1.3
 * tickets after it) and records them once the socket's verdict is known: all of them when it
 * passed cleanly, none when it was refused or reported.
 */
export class SessionWatch {
  readonly #pending: Buffer[] = [];
  #record: SessionRecord | undefined;
  #settled = false;

  readonly #onRecorded: ((session: Buffer) => void) | undefined;

  /** @param onRecorded told of each session once it is recorded (a client's own session cache). */
  constructor(socket: tls.TLSSocket, onRecorded?: (session: Buffer) => void) {
    this.#onRecorded = onRecorded;
    socket.on('session', (session: Buffer) => this.#add(session));
  }

  /** The connection passed: its sessions may be resumed, and carry this record. */
  passed(record: SessionRecord): void {
    this.#settled = true;
    this.#record = record;
    for (const session of this.#pending.splice(0)) this.#store(session, record);
  }

  /** The connection was refused or reported: none of its sessions is ever offered. */
  failed(): void {
    this.#settled = true;
    this.#pending.length = 0;
  }

  #add(session: Buffer): void {
    if (this.#record !== undefined) this.#store(session, this.#record);
    else if (!this.#settled) this.#pending.push(session);
  }

  #store(session: Buffer, record: SessionRecord): void {
    const stored: StoredRecord = { ...record, digest: digestOf(session) };
    sharedState().policySessions.set(session, stored);
    this.#onRecorded?.(session);
  }
}
