import diagnostics from 'node:diagnostics_channel';
import type * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import type * as tls from 'node:tls';
import * as undici from 'undici';
import { CA, lookup } from './fixtures.js';

/** A request as the client built it, before any connection: what it would have sent. */
export interface OutgoingRequest {
  host: string;
  /** The origin's port (fetch and undici only: node:http does not publish it). */
  port: number | undefined;
  path: string;
  authorization: string | undefined;
}

const header = (headers: unknown, name: string): string | undefined => {
  // undici publishes headers as [name, value, ...] (arrays of strings or Buffers) or as raw text.
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2)
      if (String(headers[i]).toLowerCase() === name) return String(headers[i + 1] as string | Buffer);
    return undefined;
  }
  if (typeof headers === 'string') return new RegExp(`^${name}: *(.*)$`, 'imu').exec(headers)?.[1]?.trim();
  return undefined;
};

/**
 * Records the requests fetch (Node's or undici's) and node:http create, with their
 * Authorization header, as they are created: a refused request is recorded too, so a test can
 * show the token was on its way while the server received zero bytes. Call `stop()` when done.
 */
export function recordOutgoing(): { requests: OutgoingRequest[]; stop(): void } {
  const requests: OutgoingRequest[] = [];
  const onUndici = (message: unknown): void => {
    const { request } = message as { request: { origin: string | URL; path: string; headers: unknown } };
    const origin = new URL(String(request.origin));
    requests.push({
      host: origin.hostname,
      port: Number(origin.port || 443),
      path: request.path,
      authorization: header(request.headers, 'authorization'),
    });
  };
  const onHttp = (message: unknown): void => {
    const { request } = message as { request: http.ClientRequest };
    const value = request.getHeader('authorization');
    requests.push({
      host: request.host,
      port: undefined,
      path: request.path,
      authorization: value === undefined ? undefined : String(value),
    });
  };
  diagnostics.subscribe('undici:request:create', onUndici);
  diagnostics.subscribe('http.client.request.start', onHttp);
  return {
    requests,
    stop: () => {
      diagnostics.unsubscribe('undici:request:create', onUndici);
      diagnostics.unsubscribe('http.client.request.start', onHttp);
    },
  };
}

/**
 * Test plumbing for clients that take no agent, dispatcher or lookup (their URLs carry no port):
 * sends each named host to its loopback port and trusts the test CA, the way DNS and a public
 * CA would in production. Installs a routing undici global dispatcher (Node's fetch reads it)
 * and a routing `createConnection` on https.Agent (every node:https request goes through one).
 * It adds no TLS policy of its own: whatever policy a test asserts is the package's. `restore()`
 * puts both back.
 */
export function routeToLoopback(routes: ReadonlyMap<string, number>): { restore(): void } {
  const portFor = (host: string | null | undefined, port: unknown): number =>
    routes.get(String(host ?? '').toLowerCase()) ?? (Number(port) || 443);
  const previousDispatcher = undici.getGlobalDispatcher();
  const connector = undici.buildConnector({ ca: CA, lookup });
  const dispatcher = new undici.Agent({
    connect: (options, callback) => connector({ ...options, port: String(portFor(options.hostname, options.port)) }, callback),
  });
  undici.setGlobalDispatcher(dispatcher);

  type CreateConnection = (this: https.Agent, options: tls.ConnectionOptions, callback?: () => void) => Socket;
  type GetName = (this: https.Agent, options: https.RequestOptions) => string;
  const prototype = https.Agent.prototype as unknown as { createConnection: CreateConnection; getName: GetName };
  const original = { createConnection: prototype.createConnection, getName: prototype.getName };
  const routed = {
    createConnection: function (this: https.Agent, options, callback) {
      return original.createConnection.call(
        this,
        { ...options, ca: options.ca ?? CA, lookup, port: portFor(options.host, options.port) },
        callback,
      );
    } as CreateConnection,
    // Pools sockets by the loopback port too: a kept-alive socket to one test's server is never
    // offered to the next test's server of the same name.
    getName: function (this: https.Agent, options) {
      return original.getName.call(this, { ...options, port: portFor(options.host, options.port) });
    } as GetName,
  };
  Object.assign(prototype, routed);
  return {
    restore: () => {
      undici.setGlobalDispatcher(previousDispatcher);
      void dispatcher.close();
      if (prototype.createConnection === routed.createConnection) prototype.createConnection = original.createConnection;
      if (prototype.getName === routed.getName) prototype.getName = original.getName;
    },
  };
}
