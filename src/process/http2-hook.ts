import http2 from 'node:http2';
import type * as net from 'node:net';
import { Duplex } from 'node:stream';
import { judgeRequestSocket } from '../engine/pooled.js';
import type { PolicyPort } from '../engine/port.js';
import { hostOfAuthority } from '../policy/host-names.js';

type Request = (this: http2.ClientHttp2Session, headers?: http2.OutgoingHttpHeaders, ...rest: unknown[]) => http2.ClientHttp2Stream;

/**
 * The request-level seam for node:http2, as `ClientRequest#onSocket` is for http/1.1: every
 * `ClientHttp2Session#request` is judged before its HEADERS frame is written. A session opened
 * before the install never passes through `tls.connect` again, and an h2c session
 * (`http2.connect('http://...')`) never does. Returns the function that removes the seam.
 */
export function hookHttp2(current: () => PolicyPort | undefined): () => void {
  const prototype = clientSessionPrototype();
  if (prototype === undefined) return () => {};
  const original = prototype.request;
  // A session is judged once per policy in force, not on every stream.
  const judged = new WeakMap<object, PolicyPort>();
  const request: Request = function request(this: http2.ClientHttp2Session, headers, ...rest) {
    const port = current();
    if (port !== undefined && judged.get(this) !== port) {
      const socket = innerSocket(this);
      const authority = internal(this, 'authority');
      const refusal =
        socket === undefined
          ? undefined
          : judgeRequestSocket(port, socket, {
              host: hostOfAuthority(authority),
              alsoFor: [hostOfAuthority(headers?.[':authority'])],
              cleartext: this.encrypted !== true,
            });
      if (refusal !== undefined) {
        // As Node does for a request on a session that cannot carry it: thrown, nothing written.
        this.destroy(refusal);
        throw refusal;
      }
      judged.set(this, port);
    }
    return original.call(this, headers, ...rest);
  };
  prototype.request = request;
  return () => {
    if (prototype.request === request) prototype.request = original;
  };
}

/**
 * ClientHttp2Session is not exported: its prototype is read off a session made over an
 * in-memory stream (no network, destroyed at once).
 */
function clientSessionPrototype(): { request: Request } | undefined {
  const stream = new Duplex({ read() {}, write: (_chunk, _encoding, callback) => callback() });
  try {
    const session = http2.connect('http://localhost', { createConnection: () => stream });
    session.on('error', () => {});
    const prototype = Object.getPrototypeOf(session) as { request?: unknown };
    session.destroy();
    return typeof prototype.request === 'function' ? (prototype as { request: Request }) : undefined;
  } catch {
    return undefined;
  } finally {
    stream.destroy();
  }
}

/** A session's internal field by its symbol's description (Node keeps the socket and authority there). */
function internal(session: object, description: string): unknown {
  const key = Object.getOwnPropertySymbols(session).find((s) => s.description === description);
  return key === undefined ? undefined : (session as Record<symbol, unknown>)[key];
}

/** The session's own socket (its `socket` property is a proxy that no WeakMap knows). */
function innerSocket(session: http2.ClientHttp2Session): net.Socket | undefined {
  const socket = internal(session, 'socket');
  return typeof socket === 'object' && socket !== null ? (socket as net.Socket) : undefined;
}
