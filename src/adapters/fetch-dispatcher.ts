import type * as tls from 'node:tls';
import type { Agent as UndiciAgent, Dispatcher, buildConnector } from 'undici-types';
import { planConnection, type ConnectionPlan } from '../engine/plan.js';
import { portOf, type PolicyPort } from '../engine/port.js';
import { KEYS } from '../engine/registry.js';
import { failureToViolation, judgeHandshake } from '../engine/verdict.js';
import { invalidOption, TlsPolicyError } from '../policy/errors.js';
import { loadOptional } from '../support/optional-require.js';
import type { TlsPolicyOptions } from '../policy/options.js';
import { toPolicy, type TlsPolicy } from '../tls-policy.js';
import type { TlsOptionsLike } from '../policy/tls-options.js';
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
  const dispatcher = new undici.Agent({ ...agentOptions, connect: policyConnector(undici, portOf(policy), connect ?? {}, tunnel) });
  Object.defineProperty(dispatcher, KEYS.policyOf, { value: policy, enumerable: false });
  return dispatcher;
}

/**
 * undici's own connector does the work (sockets, timeouts, its TLS session cache); this
 * wrapper plans each connection with the engine, connects with a connector built from the
 * plan's options, and stands between the handshake and undici, which writes nothing until
 * the callback says the socket is ready.
 */
function policyConnector(
  undici: UndiciModule,
  port: PolicyPort,
  connect: buildConnector.BuildOptions,
  tunnel: { proxy: ProxyOption; proxyTls: tls.ConnectionOptions | undefined },
): buildConnector.connector {
  const connectors = new ConnectorCache(undici, connect, port);

  return function connectWithPolicy(opts, callback) {
    const plan = planConnection(port, {
      ...(connect as TlsOptionsLike),
      host: opts.hostname,
      servername: opts.servername,
      port: Number(opts.port) || undefined,
    });
    if (opts.protocol !== 'https:') {
      if (plan.inScope && port.config.mode === 'enforce') {
        const v = makeViolation(plan.ctx, {
          kind: 'insecure-options',
          detail: `${opts.protocol} would send in clear text; use https:`,
          options: ['protocol'],
          action: 'blocked',
        });
        port.sink.violations([v]);
        callback(policyError([v]), null);
        return;
      }
      connectors.plain(opts, callback);
      return;
    }
    if (plan.refused !== undefined) {
      callback(plan.refused, null);
      return;
    }
    const connector = connectors.forPlan(plan);
    const onConnected: buildConnector.Callback = (error, socket) => {
      if (error !== null) {
        callback(plan.inScope ? failureToViolation(port, plan, error) : error, null);
        return;
      }
      const refusal = judgeHandshake(port, socket as tls.TLSSocket, plan);
      if (refusal !== undefined) {
        socket.destroy(refusal);
        callback(refusal, null);
        return;
      }
      callback(null, socket);
    };
    const targetPort = Number(opts.port) || 443;
    const proxy = proxyFor(tunnel.proxy, opts.hostname, targetPort);
    if (proxy === undefined) {
      connector(opts, onConnected);
      return;
    }
    // undici's connector runs the TLS handshake over a socket it is given (`httpSocket`), so
    // the origin's handshake, and the policy's check of it, are the same as without a proxy.
    const timeout = typeof connect.timeout === 'number' ? connect.timeout : undefined;
    openTunnel(proxy, opts.hostname, targetPort, { proxyTls: tunnel.proxyTls, timeout }).then(
      (raw) => connector({ ...opts, httpSocket: raw }, onConnected),
      (error: Error) => callback(error, null),
    );
  };
}

// Per connection, undici's connector passes these itself (from the origin and its session
// cache); the rest of a plan's options are the same for every connection of one plan shape.
const PER_CONNECTION = ['host', 'hostname', 'servername', 'port', 'session'] as const;

/**
 * undici connectors for a dispatcher's plans: one built from the caller's options for plans
 * that were not hardened, and one per hardened SecureContext (a plan's hardened options are
 * a pure function of the caller's options, so in practice one). Built lazily, kept for the
 * dispatcher's life: undici's connector holds its TLS session cache.
 */
class ConnectorCache {
  readonly #undici: UndiciModule;
  readonly #connect: buildConnector.BuildOptions;
  readonly #port: PolicyPort;
  readonly #hardened = new WeakMap<object, buildConnector.connector>();
  #plain: buildConnector.connector | undefined;

  constructor(undici: UndiciModule, connect: buildConnector.BuildOptions, port: PolicyPort) {
    this.#undici = undici;
    this.#connect = connect;
    this.#port = port;
  }

  /** The caller's options as they are, marked so that an install of the same policy does not judge twice. */
  get plain(): buildConnector.connector {
    return (this.#plain ??= this.#undici.buildConnector({ ...this.#connect, [KEYS.guardedBy]: this.#port } as buildConnector.BuildOptions));
  }

  forPlan(plan: ConnectionPlan): buildConnector.connector {
    const context = plan.options.secureContext;
    if (!plan.hardened || context === undefined) return this.plain;
    let connector = this.#hardened.get(context);
    if (connector === undefined) {
      const options: Record<string | symbol, unknown> = { ...plan.options };
      for (const key of PER_CONNECTION) delete options[key];
      connector = this.#undici.buildConnector(options as buildConnector.BuildOptions);
      this.#hardened.set(context, connector);
    }
    return connector;
  }
}
