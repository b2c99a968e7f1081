import type * as net from 'node:net';
import type * as tls from 'node:tls';

/**
 * The parts of undici this package uses, declared here rather than imported: the published
 * declarations then name no undici package at all (`undici` is an optional peer, `undici-types`
 * is only ever @types/node's), so they type-check whatever undici a consumer has, or none, under
 * a strict package manager too.
 */

/**
 * The dispatcher type Node's own `fetch` takes: `RequestInit['dispatcher']`, read off the
 * consumer's global `RequestInit` (@types/node's undici-types). Where a DOM `RequestInit` without
 * it is in force, a dispatcher is described by what this package uses of it.
 */
export type NodeFetchDispatcher = RequestInit extends { dispatcher?: infer D } ? Exclude<D, undefined | null> : DispatcherLike;

/** What this package uses of a dispatcher. */
export interface DispatcherLike {
  dispatch(options: never, handler: never): boolean;
  close(): Promise<void>;
  destroy(): Promise<void>;
}

/** The options undici's connector receives per connection. */
export interface ConnectorCall {
  hostname: string;
  host?: string;
  protocol: string;
  port: string;
  servername?: string;
  localAddress?: string | null;
  httpSocket?: net.Socket;
}

export type ConnectorCallback = (error: Error | null, socket: net.Socket | tls.TLSSocket | null) => void;

/** An undici connector: `buildConnector(options)`'s result, or the `connect` function an Agent takes. */
export type Connector = (options: ConnectorCall, callback: ConnectorCallback) => unknown;

/** TLS and socket options for the origin, as undici's `connect` option takes them. */
export type ConnectOptions = tls.ConnectionOptions & {
  /** Connect timeout in milliseconds (undici's default: 10 s). */
  timeout?: number | null | undefined;
  socketPath?: string | null | undefined;
  keepAlive?: boolean | null | undefined;
  keepAliveInitialDelay?: number | null | undefined;
  maxCachedSessions?: number | null | undefined;
  allowH2?: boolean | undefined;
};

/**
 * The parts of the undici module this library builds on (undici 6, 7 and 8 have them). `D` is
 * the dispatcher type its `Agent` makes: pass your `undici` module and the dispatcher is typed
 * as that undici's own (for its `setGlobalDispatcher`, `fetch` and `request`).
 */
export interface UndiciModule<D = NodeFetchDispatcher> {
  Agent: new (options: never) => D;
  buildConnector: (options: never) => Connector;
}
