import type * as tls from 'node:tls';
import type { Agent as UndiciAgent, Dispatcher, buildConnector } from 'undici-types';
import { GUARDED_BY, judgeHandshake, planConnection, readFailure, type ConnectionPlan } from '../engine/connection-guard.js';
import { invalidOption, TlsPolicyError } from '../policy/errors.js';
import { POLICY_AGENT, POLICY_INTERNALS, type PolicyInternals } from '../engine/port.js';
import { loadOptional } from '../support/optional-require.js';
import type { TlsPolicyOptions } from '../policy/options.js';
import { toPolicy, type TlsPolicy } from '../tls-policy.js';
import { hardenTlsOptions, type TlsOptionsLike } from '../policy/tls-options.js';
import { openTunnel, parseProxyOption, proxyFor, type ProxyOption } from './proxy-tunnel.js';
import { makeViolation, policyError } from '../policy/violations.js';

/** The parts of the undici module this library builds on (undici 6 and 7 both have them). */
export interface UndiciModule {
  Agent: new (options?: UndiciAgent.Options) => Dispatcher;
  buildConnector: (options?: buildConnector.BuildOptions) => buildConnector.connector;
}

/** Options of {@link createFetchDispatcher}: undici `Agent` options, plus the policy. */
export interface FetchDispatcherOptions extends Omit<UndiciAgent.Options, 'connect'> {
  /** A policy (shared with other agents) or options for a new one. Default: the default policy. */
  policy?: TlsPolicy | TlsPolicyOptions | undefined;
  /**
   * TLS and socket options for connections to the origin (`ca`, `lookup`, `timeout`, ...), as
   * undici's `connect` option. A custom connector function is not accepted: the policy could
   * not harden what it builds.
   */
  connect?: buildConnector.BuildOptions | undefined;
  /**
   * Tunnel through an HTTP(S) proxy with CONNECT: a URL, or `true` for `HTTPS_PROXY` /
   * `NO_PROXY`. `connect` options keep meaning the connection to the origin.
   */
  proxy?: string | URL | true | undefined;
  /** TLS options for an `https:` proxy (the proxy hop only). */
  proxyTls?: tls.ConnectionOptions | undefined;
  /** The undici module to build on. Default: `require('undici')` from this package's location. */
  undici?: UndiciModule | undefined;
}

const INSTALL_HINT =
  "createFetchDispatcher needs the 'undici' package, an optional peer dependency: npm install undici " +
  '(undici 6 or 7 on Node.js 20; undici 8 needs Node.js 22.19 or later)';

/**
 * An undici `Agent` whose connector applies the policy: hardened TLS options for in-scope
 * hosts, the post-handshake check before undici writes a byte, and failures turned into a
 * TlsPolicyError (`fetch` reports it as the `cause` of its `TypeError: fetch failed`).
 * Use it as `fetch(url, { dispatcher })`, with undici's own `fetch`, or `setGlobalDispatcher`.
 */
export function createFetchDispatcher(options: FetchDispatcherOptions = {}): Dispatcher {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object of undici Agent options', options);
  const { policy: policyOption, connect, undici: given, proxy, proxyTls, ...agentOptions } = options;
  const tunnel = { proxy: parseProxyOption(proxy), proxyTls };
  if (connect !== undefined && (typeof connect !== 'object' || connect === null)) {
    throw invalidOption('options.connect', 'an object of TLS and socket options (a connector function cannot be hardened)', connect);
  }
  const policy = toPolicy(policyOption, 'options.policy');
  const undici = given ?? loadOptional<UndiciModule>('undici');
  if (undici === undefined) throw new TlsPolicyError('ERR_TLS_POLICY_MISSING_DEPENDENCY', INSTALL_HINT);
  if (typeof undici.Agent !== 'function' || typeof undici.buildConnector !== 'function') {
    throw invalidOption('options.undici', 'the undici module (with Agent and buildConnector)', undici);
  }
  const dispatcher = new undici.Agent({ ...agentOptions, connect: policyConnector(undici, policy[POLICY_INTERNALS], connect ?? {}, tunnel) });
  Object.defineProperty(dispatcher, POLICY_AGENT, { value: policy, enumerable: false });
  return dispatcher;
}

/**
 * undici's own connector does the work (sockets, timeouts, its TLS session cache); this
 * wrapper picks the hardened or the plain one per connection and stands between the
 * handshake and undici, which writes nothing until the callback says the socket is ready.
 */
function policyConnector(
  undici: UndiciModule,
  internals: PolicyInternals,
  connect: buildConnector.BuildOptions,
  tunnel: { proxy: ProxyOption; proxyTls: tls.ConnectionOptions | undefined },
): buildConnector.connector {
  const { config } = internals;
  const enforce = config.mode === 'enforce';
  // Marked so that a process-wide install of the same policy does not check these twice.
  const plain = undici.buildConnector(withMarker(connect, internals));
  let hardened: buildConnector.connector | undefined;
  const certMayMatter = config.scope.patterns !== '*';

  return function connectWithPolicy(opts, callback) {
    const plan: ConnectionPlan = planConnection(internals, {
      ...(connect as TlsOptionsLike),
      host: opts.hostname,
      servername: opts.servername,
      port: Number(opts.port) || undefined,
    });
    if (opts.protocol !== 'https:') {
      if (plan.inScope && enforce) {
        const v = makeViolation(plan.ctx, { kind: 'insecure-options', detail: `${opts.protocol} would send in clear text; use https:`, options: ['protocol'], action: 'blocked' });
        internals.emitViolations([v]);
        callback(policyError([v]), null);
        return;
      }
      plain(opts, callback);
      return;
    }
    if (plan.refused !== undefined) {
      callback(plan.refused, null);
      return;
    }
    let connector = plain;
    if (plan.inScope && enforce) connector = hardened ??= undici.buildConnector(withMarker(withContext(hardenTlsOptions(connect as TlsOptionsLike, config), internals), internals));
    const onConnected: buildConnector.Callback = (error, socket) => {
      if (error !== null) {
        callback(plan.inScope ? readFailure(internals, plan, error) : error, null);
        return;
      }
      if (plan.inScope || certMayMatter) {
        const refusal = judgeHandshake(internals, socket as tls.TLSSocket, plan);
        if (refusal !== undefined) {
          socket.destroy(refusal);
          callback(refusal, null);
          return;
        }
      }
      callback(null, socket);
    };
    const port = Number(opts.port) || 443;
    const proxy = proxyFor(tunnel.proxy, opts.hostname, port);
    if (proxy === undefined) {
      connector(opts, onConnected);
      return;
    }
    // undici's connector runs the TLS handshake over a socket it is given (`httpSocket`), so
    // the origin's handshake, and the policy's check of it, are the same as without a proxy.
    const timeout = typeof connect.timeout === 'number' ? connect.timeout : undefined;
    openTunnel(proxy, opts.hostname, port, { proxyTls: tunnel.proxyTls, timeout }).then(
      (raw) => connector({ ...opts, httpSocket: raw }, onConnected),
      (error: Error) => callback(error, null),
    );
  };
}

/** The hardened options never change for this dispatcher: build their SecureContext once. */
function withContext(options: TlsOptionsLike, internals: PolicyInternals): TlsOptionsLike {
  return { ...options, secureContext: internals.contexts.get(options) };
}

function withMarker(options: object, internals: PolicyInternals): buildConnector.BuildOptions {
  return { ...options, [GUARDED_BY]: internals } as unknown as buildConnector.BuildOptions;
}
