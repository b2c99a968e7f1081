import diagnostics from 'node:diagnostics_channel';
import * as http from 'node:http';
import type * as net from 'node:net';
import tls from 'node:tls';
import { judgeRequestSocket } from '../engine/pooled.js';
import { hostOfAuthority } from '../policy/host-names.js';
import type { PolicyPort } from '../engine/port.js';
import { watchedFor } from '../engine/socket-guard.js';

// Agent#addRequest and ClientRequest#onSocket are public in Node but absent from its types.
type AddRequest = (this: http.Agent, req: http.ClientRequest, ...rest: unknown[]) => void;
type OnSocket = (this: http.ClientRequest, socket: net.Socket, err?: Error) => void;
const agentPrototype = http.Agent.prototype as unknown as { addRequest: AddRequest };
const requestPrototype = http.ClientRequest.prototype as unknown as { onSocket: OnSocket };

// undici (npm, and the copy inside Node that serves global fetch) publishes every HTTP/1.1
// request here, with its socket, just before it writes the request's first byte.
const UNDICI_SEND_HEADERS = 'undici:client:sendHeaders';

/**
 * The request-level seams of a process-wide install. A connection pooled before the install (or
 * judged by a weaker policy) never passes through `tls.connect` again, and cleartext `http:`
 * never does: so the policy also rules where a request is handed its socket.
 * - `Agent#addRequest`: keep-alive sockets the installed policy did not watch are closed before
 *   the agent picks one, so the request gets a new, judged connection.
 * - `ClientRequest#onSocket`: every request of `http`/`https` gets its socket here, the queued
 *   ones that take a freed socket included; an unjudged in-scope socket or a cleartext one to
 *   an in-scope host is refused before a byte is written.
 * - undici's `sendHeaders` channel: the same for undici and Node's fetch (HTTP/1.1).
 * Returns the function that removes them.
 */
export function hookRequests(current: () => PolicyPort | undefined): () => void {
  const originalAddRequest = agentPrototype.addRequest;
  // Agents found holding no unwatched socket need no look on later requests (per policy: a
  // stricter policy installed later looks again).
  const clean = new WeakMap<http.Agent, PolicyPort>();
  const addRequest: AddRequest = function addRequest(this: http.Agent, req, ...rest) {
    const port = current();
    if (port !== undefined && clean.get(this) !== port && dropUnwatchedFreeSockets(this, port)) clean.set(this, port);
    originalAddRequest.call(this, req, ...rest);
  };

  const originalOnSocket = requestPrototype.onSocket;
  const onSocket: OnSocket = function onSocket(this: http.ClientRequest, socket, err) {
    const port = current();
    // A CONNECT asks a proxy for a tunnel: the request to the origin, and its TLS, go through
    // the tunnel (and tls.connect) later; the CONNECT itself names the origin in the clear by design.
    if (port !== undefined && err === undefined && socket !== undefined && socket !== null && this.method !== 'CONNECT') {
      const cleartext = !(socket instanceof tls.TLSSocket);
      // The common case, first and cheap: a TLS socket this policy (or a stricter one) watched.
      if (!cleartext && watchedFor(socket, port)) return originalOnSocket.call(this, socket, err);
      const refusal = judgeRequestSocket(port, socket, {
        host: this.host,
        alsoFor: [hostHeader(this.getHeader('host')), absoluteHost(this.path)],
        cleartext,
      });
      // Node's own error path: the socket is destroyed, the request emits the error.
      if (refusal !== undefined) return originalOnSocket.call(this, socket, refusal);
    }
    return originalOnSocket.call(this, socket, err);
  };

  const onUndiciRequest = (message: unknown): void => {
    const port = current();
    const { request, socket, headers } = message as {
      request?: { origin?: unknown; path?: unknown; method?: unknown };
      socket?: net.Socket;
      headers?: unknown;
    };
    // A CONNECT (undici's ProxyAgent) asks the proxy for a tunnel: see onSocket.
    if (port === undefined || socket === undefined || socket.destroyed || request?.method === 'CONNECT') return;
    const origin = originOf(request?.origin);
    const refusal = judgeRequestSocket(port, socket, {
      host: origin?.hostname,
      port: Number(origin?.port) || undefined,
      alsoFor: [hostHeader(headerOf(headers, 'host')), absoluteHost(request?.path)],
      cleartext: origin?.protocol === 'http:',
    });
    // Destroyed before undici writes: the write fails, and undici fails the request with this error.
    if (refusal !== undefined) socket.destroy(refusal);
  };

  agentPrototype.addRequest = addRequest;
  requestPrototype.onSocket = onSocket;
  diagnostics.subscribe(UNDICI_SEND_HEADERS, onUndiciRequest);
  return () => {
    if (agentPrototype.addRequest === addRequest) agentPrototype.addRequest = originalAddRequest;
    if (requestPrototype.onSocket === onSocket) requestPrototype.onSocket = originalOnSocket;
    diagnostics.unsubscribe(UNDICI_SEND_HEADERS, onUndiciRequest);
  };
}

/** The host of a Host header value (a header given twice: the first). */
function hostHeader(value: unknown): string | undefined {
  return hostOfAuthority(Array.isArray(value) ? value[0] : value);
}

/** The host of an absolute-form request target (`http://graph.microsoft.com/v1.0/me`), as a forward proxy receives it. */
function absoluteHost(path: unknown): string | undefined {
  if (typeof path !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\//iu.test(path)) return undefined;
  return originOf(path)?.hostname;
}

/** One header of undici's raw header block (`name: value\r\n...`). */
function headerOf(block: unknown, name: string): string | undefined {
  if (typeof block !== 'string') return undefined;
  for (const line of block.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0 && line.slice(0, at).trim().toLowerCase() === name) return line.slice(at + 1).trim();
  }
  return undefined;
}

function originOf(origin: unknown): URL | undefined {
  try {
    return origin instanceof URL ? origin : typeof origin === 'string' ? new URL(origin) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Closes the agent's free TLS sockets that the installed policy did not watch, instead of
 * reusing them. Returns true when the agent holds no such socket any more, busy ones included
 * (a busy one would come back to the pool later).
 */
function dropUnwatchedFreeSockets(agent: http.Agent, port: PolicyPort): boolean {
  const free = agent.freeSockets as Record<string, net.Socket[] | undefined>;
  for (const name of Object.keys(free)) {
    const list = free[name];
    if (list === undefined) continue;
    for (let i = list.length - 1; i >= 0; i--) {
      const socket = list[i];
      if (socket instanceof tls.TLSSocket && !watchedFor(socket, port)) {
        list.splice(i, 1);
        socket.destroy();
      }
    }
    if (list.length === 0) delete free[name];
  }
  const busy = agent.sockets as Record<string, net.Socket[] | undefined>;
  return !Object.values(busy).some((list) => list?.some((socket) => socket instanceof tls.TLSSocket && !watchedFor(socket, port)));
}
