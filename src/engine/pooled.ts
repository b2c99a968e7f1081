import type * as net from 'node:net';
import * as tls from 'node:tls';
import type { TlsPolicyError } from '../policy/errors.js';
import { anyInScope, displayHost, normalizeTarget } from '../policy/scope.js';
import { makeViolation } from '../policy/violations.js';
import type { PolicyPort } from './port.js';
import { markWatched, watchedFor } from './socket-guard.js';
import { certificateInScope, inspectSocket, socketNames } from './socket-checks.js';
import { blockOrReport } from './verdict.js';

/** A request about to go out on a connection: the host it is for, and how it will be sent. */
export interface RequestOnSocket {
  /** The request's host (`req.host`, the origin's host name). */
  readonly host: string | undefined;
  /**
   * Other names the request is for: its `Host` header, the host of an absolute-form target
   * (`GET http://graph.microsoft.com/...` through a forward proxy). Judged with `host`.
   */
  readonly alsoFor?: readonly (string | undefined)[];
  readonly port?: number | undefined;
  /** The request goes out in clear text (`http:`): any connection but a TLS one. */
  readonly cleartext: boolean;
}

/**
 * The verdict on a request that is about to be written on a connection this policy did not
 * necessarily plan: a keep-alive socket pooled before a process-wide install, one judged only
 * by a weaker policy (a re-install with a higher floor), or a cleartext connection. The
 * process-wide install calls it where http and undici hand a request its socket, because a
 * pooled socket never passes through `tls.connect` again. Returns the error to refuse the
 * request with, or undefined to let it go.
 */
export function judgeRequestSocket(port: PolicyPort, socket: net.Socket, request: RequestOnSocket): TlsPolicyError | undefined {
  const { config } = port;
  const target = normalizeTarget(request.host);
  const ctx: { host: string; port: number | undefined } = { host: displayHost(target), port: request.port };
  if (request.cleartext || !(socket instanceof tls.TLSSocket))
    return judgeCleartext(port, [request.host, ...(request.alsoFor ?? [])], request.port);
  if (watchedFor(socket, port)) return undefined;
  const names = socketNames(socket);
  const hosts = [request.host, names.servername, names.host].filter((n): n is string => n !== undefined).map((n) => normalizeTarget(n));
  if (!anyInScope(config.scope, hosts) && !certificateInScope(socket, config)) return undefined;
  // Judged now, on what its handshake shows: a healthy connection may carry the request, one
  // below the policy (its version, suite or certificate) is refused. A resumed one shows no
  // certificate, so nothing vouches for its peer: refused too.
  const { violations } = inspectSocket(
    socket,
    config,
    { ...ctx, servername: names.servername },
    { identity: request.host, resumed: false },
  );
  if (violations.length === 0) {
    markWatched(socket as tls.TLSSocket, port);
    return undefined;
  }
  return blockOrReport(port, violations);
}

/**
 * The one cleartext rule: a request in clear text (`http:`) for an in-scope host would send its
 * Authorization header to anyone on the path. Any of the names it is for counts (the socket's
 * host, a Host header, a forward proxy's absolute-form target). Blocked in enforce mode,
 * reported in report mode; used by the install's request seams and the fetch dispatcher.
 */
export function judgeCleartext(port: PolicyPort, names: readonly (string | undefined)[], serverPort?: number): TlsPolicyError | undefined {
  const { scope } = port.config;
  const given = names.filter((n): n is string => typeof n === 'string' && n !== '').map(normalizeTarget);
  const named = given.find((n) => n.kind !== 'unknown' && scope.matches(n)) ?? (anyInScope(scope, given) ? given[0] : undefined);
  if (named === undefined && given.length > 0) return undefined;
  const ctx = { host: named === undefined ? '(unknown)' : displayHost(named), port: serverPort };
  return blockOrReport(port, [
    makeViolation(ctx, {
      kind: 'insecure-options',
      detail: 'http: sends the request, its Authorization header included, in clear text; use https:',
      options: ['protocol'],
    }),
  ]);
}
