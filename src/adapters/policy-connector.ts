import { isIP } from 'node:net';
import * as tls from 'node:tls';
import { planConnection, type RouteSetting } from '../engine/plan.js';
import { judgeCleartext } from '../engine/pooled.js';
import type { PolicyPort } from '../engine/port.js';
import { SessionWatch } from '../engine/sessions.js';
import { guardSocket, markWatched } from '../engine/socket-guard.js';
import { failureToViolation, judgeHandshake } from '../engine/verdict.js';
import type { TlsOptionsLike } from '../policy/tls-options.js';
import { openTunnel } from './proxy-tunnel.js';
import type { ConnectOptions, Connector, ConnectorCall, ConnectorCallback, UndiciModule } from './undici-shapes.js';

export interface ConnectorSettings {
  /** The caller's TLS and socket options for the origin (undici's `connect` option). */
  readonly connect: ConnectOptions;
  readonly route: RouteSetting;
  readonly proxyTls: tls.ConnectionOptions | undefined;
  readonly allowH2: boolean;
}

// undici passes these per connection itself, from the origin.
const PER_CONNECTION = ['host', 'hostname', 'port'] as const;
const MAX_SESSIONS = 100; // undici's own default

/**
 * The fetch dispatcher's connector. Each connection is planned by the engine with the names
 * undici will really use, connected by an undici connector built from the plan's options, and
 * judged before undici writes a byte (it writes nothing until the callback says the socket is
 * ready). TLS sessions are the policy's: undici's own session cache is off, and only sessions
 * of connections that passed a verdict are offered again.
 */
export function policyConnector(undici: UndiciModule<unknown>, port: PolicyPort, settings: ConnectorSettings): Connector {
  const build = undici.buildConnector as (options: Record<string | symbol, unknown>) => Connector;
  const { connect, route, proxyTls, allowH2 } = settings;
  const sessions = new Map<string, Buffer>();

  return function connectWithPolicy(opts, callback) {
    // The name undici sends as SNI and verifies, by its own rule: the origin's servername (from a
    // Host header), else the connect option, else the host name unless it is an IP address.
    const configured = (connect as TlsOptionsLike).servername;
    const servername = opts.servername || configured || (isIP(opts.hostname) ? undefined : opts.hostname);
    const key = `${servername ?? ''}|${opts.hostname}|${opts.port}`;
    if (opts.protocol !== 'https:') {
      const refusal = judgeCleartext(port, [opts.hostname, servername], Number(opts.port) || undefined);
      if (refusal !== undefined) callback(refusal, null);
      else build({ ...connect, allowH2 })(opts, callback);
      return;
    }
    const plan = planConnection(
      port,
      { ...(connect as TlsOptionsLike), host: opts.hostname, servername, port: Number(opts.port) || undefined, session: sessions.get(key) },
      route,
    );
    if (plan.refused !== undefined) {
      callback(plan.refused, null);
      return;
    }
    const remember = (session: Buffer): void => rememberSession(sessions, key, session);
    // undici's connector returns the TLS socket it made, before the handshake: the engine's
    // guard watches it from there, as for the https agent (corked, the verdict taken inside
    // the 'secureConnect' emit, failures read at destroy). undici writes nothing until the
    // callback says the socket is ready.
    let guarded = false;
    const onConnected: ConnectorCallback = (error, socket) => {
      if (error !== null || socket === null) {
        const failure = error ?? new Error('the connector gave neither a socket nor an error');
        callback(guarded || !plan.inScope ? failure : failureToViolation(port, plan, failure), null);
        return;
      }
      if (!guarded) {
        // A connector that did not hand its socket over: judge the finished handshake here.
        const tlsSocket = socket as tls.TLSSocket;
        const refusal = judgeHandshake(port, tlsSocket, plan, new SessionWatch(tlsSocket, remember));
        markWatched(tlsSocket, port);
        if (refusal !== undefined) {
          socket.destroy(refusal);
          callback(refusal, null);
          return;
        }
      }
      callback(null, socket);
    };
    const connector = build(connectorOptions(plan.options, allowH2));
    const connectGuarded = (options: ConnectorCall): void => {
      const socket: unknown = connector(options, onConnected);
      if (socket instanceof tls.TLSSocket) {
        guardSocket(port, socket, plan, remember);
        guarded = true;
      }
    };
    // The planned name, not undici's: the plan may have put the in-scope name back (servername
    // '' means none: Node then verifies the certificate against the host address).
    const planned = { ...opts };
    if (typeof plan.options.servername === 'string') planned.servername = plan.options.servername;
    const targetPort = Number(opts.port) || 443;
    const { proxy } = plan;
    if (proxy === undefined) {
      connectGuarded(planned);
      return;
    }
    // undici's connector runs the TLS handshake over a socket it is given (`httpSocket`), so
    // the origin's handshake, and the policy's check of it, are the same as without a proxy.
    const timeout = typeof connect.timeout === 'number' ? connect.timeout : undefined;
    openTunnel(proxy, opts.hostname, targetPort, { proxyTls, timeout }).then(
      (raw) => {
        // A throw here (a bad key or passphrase: Node throws those from tls.connect) would be an
        // unhandled rejection, which ends the process: it goes to the request instead.
        try {
          connectGuarded({ ...planned, httpSocket: raw });
        } catch (error) {
          raw.destroy();
          callback(error as Error, null);
        }
      },
      (error: Error) => callback(error, null),
    );
  };
}

/** A plan's options as undici's buildConnector takes them, with the session the plan offers. */
function connectorOptions(options: TlsOptionsLike, allowH2: boolean): Record<string | symbol, unknown> {
  const out: Record<string | symbol, unknown> = { ...options, allowH2, maxCachedSessions: 0 };
  for (const field of PER_CONNECTION) delete out[field];
  if (options.session === undefined) delete out['session'];
  return out;
}

function rememberSession(sessions: Map<string, Buffer>, key: string, session: Buffer): void {
  sessions.delete(key);
  if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value as string);
  sessions.set(key, session);
}
