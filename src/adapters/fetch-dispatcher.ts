import type * as tls from 'node:tls';
import { markClient, portOf } from '../engine/port.js';
import { invalidOption, TlsPolicyError } from '../policy/errors.js';
import { loadOptional } from '../support/optional-require.js';
import { proxyOption, splitOptions, type TlsPolicyOptions } from '../policy/options.js';
import { toPolicy, type TlsPolicy } from '../tls-policy.js';
import { policyConnector } from './policy-connector.js';

import type { ConnectOptions, NodeFetchDispatcher, UndiciModule } from './undici-shapes.js';

export type { ConnectOptions, NodeFetchDispatcher, UndiciModule };

/**
 * Options of {@link createFetchDispatcher}: the policy's, and undici `Agent` options
 * (`connections`, `keepAliveTimeout`, `allowH2`, ...), passed on to `new Agent()` as given.
 */
export interface FetchDispatcherOptions<D = NodeFetchDispatcher> {
  /** A policy (shared with other agents) or options for a new one. Default: the default policy. */
  policy?: TlsPolicy | TlsPolicyOptions | undefined;
  /**
   * TLS and socket options for connections to the origin (`ca`, `lookup`, `timeout`, ...), as
   * undici's `connect` option. A custom connector function is not accepted: the policy could
   * not harden what it builds.
   */
  connect?: ConnectOptions | undefined;
  /**
   * Tunnel through an HTTP(S) proxy with CONNECT: a URL, `true` for `HTTPS_PROXY` / `NO_PROXY`,
   * or `false` for never. Unset: the proxy of Node's own global agent (`NODE_USE_ENV_PROXY=1`,
   * `--use-env-proxy`, or `http.setGlobalProxyFromEnv()`), as Node's fetch would. `connect` options keep
   * meaning the connection to the origin.
   */
  proxy?: string | URL | boolean | undefined;
  /** TLS options for an `https:` proxy (the proxy hop only). */
  proxyTls?: tls.ConnectionOptions | undefined;
  /**
   * The undici module to build on. Default: `require('undici')` from this package's location.
   * Passing yours also types the dispatcher as that undici's own.
   */
  undici?: UndiciModule<D> | undefined;
  /** Any undici `Agent` option. */
  readonly [agentOption: string]: unknown;
}

/**
 * Bun's fetch ignores a `dispatcher`: a dispatcher handed out there would protect nothing while
 * looking like it does. Refused loudly instead, with a stable code.
 */
export function refuseOnBun(feature: string): void {
  if (process.versions['bun'] === undefined) return;
  throw new TlsPolicyError(
    'ERR_TLS_POLICY_UNSUPPORTED_RUNTIME',
    `${feature} is refused on Bun: Bun's fetch ignores the dispatcher option, so the policy would protect nothing. ` +
      'Use createHttpsAgent with node:https, axios or got, or run on Node.js (docs/runtimes.md)',
  );
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
export function createFetchDispatcher<D = NodeFetchDispatcher>(options: FetchDispatcherOptions<D> = {}): D {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object of undici Agent options', options);
  refuseOnBun('createFetchDispatcher');
  const [{ policy: policyOption, connect, undici: given, proxy, proxyTls }, agentOptions] = splitOptions(options, [
    'policy',
    'connect',
    'undici',
    'proxy',
    'proxyTls',
  ]);
  const route = { proxy: proxyOption(proxy) };
  if (connect !== undefined && (typeof connect !== 'object' || connect === null)) {
    throw invalidOption('options.connect', 'an object of TLS and socket options (a connector function cannot be hardened)', connect);
  }
  const policy = toPolicy(policyOption, 'options.policy');
  const undici = (given ?? loadOptional<UndiciModule<D>>('undici')) as UndiciModule<D> | undefined;
  if (undici === undefined) throw new TlsPolicyError('ERR_TLS_POLICY_MISSING_DEPENDENCY', INSTALL_HINT);
  if (typeof undici.Agent !== 'function' || typeof undici.buildConnector !== 'function') {
    throw invalidOption('options.undici', 'the undici module (with Agent and buildConnector)', undici);
  }
  const dispatcher = new undici.Agent({
    ...(agentOptions as Record<string, unknown>),
    connect: policyConnector(undici, portOf(policy), {
      connect: connect ?? {},
      route,
      proxyTls,
      // With a connector function of ours, undici's Agent no longer hands allowH2 to a connector
      // of its own: the connector must offer h2 in ALPN itself.
      allowH2: agentOptions.allowH2 === true,
    }),
  } as never);
  // Marked only when the given module's Agent made a real Agent (not some other object it returned).
  const made = dispatcher as { addRequest?: unknown; dispatch?: unknown } | null;
  if (
    !(dispatcher instanceof (undici.Agent as unknown as new (...args: never[]) => object)) ||
    typeof made?.dispatch !== 'function' ||
    made.addRequest !== undefined
  )
    throw invalidOption('options.undici', "undici's module, whose Agent constructs undici Agents", undici);
  markClient(dispatcher as object, policy, 'dispatch');
  return dispatcher;
}
