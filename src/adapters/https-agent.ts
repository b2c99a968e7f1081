import * as https from 'node:https';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type * as tls from 'node:tls';
import { type ProxyEnv, planConnection, type RouteSetting } from '../engine/plan.js';
import { isMarkedAgent, markClient, portOf, type PolicyPort } from '../engine/port.js';
import { guardSocket } from '../engine/socket-guard.js';
import { invalidOption } from '../policy/errors.js';
import { proxyOption, splitOptions } from '../policy/options.js';
import { openTunnel } from './proxy-tunnel.js';
import type { TlsPolicyOptions } from '../policy/options.js';
import { toPolicy, type TlsPolicy } from '../tls-policy.js';
import type { TlsOptionsLike } from '../policy/tls-options.js';

/** Options of {@link createHttpsAgent}: any `https.Agent` option, plus the policy. */
export interface PolicyHttpsAgentOptions extends https.AgentOptions {
  /** A policy (shared with other agents) or options for a new one. Default: the default policy. */
  policy?: TlsPolicy | TlsPolicyOptions | undefined;
  /**
   * Tunnel through an HTTP(S) proxy with CONNECT: a URL (`'http://user:pass@proxy:3128'`), or
   * `true` to read `HTTPS_PROXY` / `NO_PROXY` for each connection, or `false` for never. Unset:
   * `proxyEnv` if given, else the proxy of Node's own global agent (`NODE_USE_ENV_PROXY=1`,
   * `--use-env-proxy`, or `http.setGlobalProxyFromEnv()`). The policy applies to the TLS session with the
   * origin, end to end. Credentials go in `Proxy-Authorization` only.
   */
  proxy?: string | URL | boolean | undefined;
  /**
   * Node's agent option (Node.js 22.21+, 24.5+): the proxy variables to read instead of
   * `process.env`. Honoured by this agent's own tunnel, on every Node.js version.
   */
  proxyEnv?: AgentProxyEnv;
  /** TLS options for an `https:` proxy (the proxy hop only, e.g. its `ca`). */
  proxyTls?: tls.ConnectionOptions | undefined;
}

/** The agent {@link createHttpsAgent} returns: an `https.Agent` that knows its policy. */
export interface PolicyHttpsAgent extends https.Agent {
  /** The policy this agent enforces (read-only). */
  readonly policy: TlsPolicy;
}

type ConnectCallback = (err: Error | null, stream: Duplex) => void;
// Node's own type where @types/node has it (24+), so this interface still extends AgentOptions.
type AgentProxyEnv = https.AgentOptions extends { proxyEnv?: infer P }
  ? unknown extends P
    ? NodeJS.ProcessEnv | undefined
    : P
  : NodeJS.ProcessEnv | undefined;

/**
 * An `https.Agent` that applies a TLS policy in `createConnection`, the one seam every
 * request passes through, after Node has merged agent and request options. Calling the base
 * class's `createConnection` keeps its TLS session cache, so resumption still works.
 */
class PolicyAgent extends https.Agent implements PolicyHttpsAgent {
  readonly #policy: TlsPolicy;
  readonly #port: PolicyPort;
  readonly #route: RouteSetting;
  readonly #proxyTls: tls.ConnectionOptions | undefined;

  constructor(options: https.AgentOptions, policy: TlsPolicy, route: RouteSetting, proxyTls: tls.ConnectionOptions | undefined) {
    super(options);
    this.#policy = policy;
    // At creation, so a policy from an incompatible copy of the package fails here, not per request.
    this.#port = portOf(policy);
    this.#route = route;
    this.#proxyTls = proxyTls;
    // Only an agent of this class: a subclass may connect however it likes.
    if (new.target === PolicyAgent) markClient(this, policy, 'createConnection');
  }

  /** The policy this agent enforces (read-only). */
  get policy(): TlsPolicy {
    return this.#policy;
  }

  override createConnection(options: https.RequestOptions, callback?: ConnectCallback): Duplex | null | undefined {
    const policyPort = this.#port;
    // The session Node's agent would offer, shown to the planner (which offers only sessions of
    // connections that passed a verdict): Node adds its cached one only where the options name none.
    const plan = planConnection(
      policyPort,
      { ...(options as TlsOptionsLike), session: (options as TlsOptionsLike).session ?? this.#cachedSession(options) },
      this.#route,
    );
    if (plan.refused !== undefined) {
      if (callback === undefined) throw plan.refused;
      process.nextTick(callback, plan.refused, undefined as unknown as Duplex);
      return undefined;
    }
    const host = String(options.hostname ?? options.host ?? 'localhost');
    const port = Number(options.port) || 443;
    const { proxy } = plan;
    if (proxy === undefined) {
      const socket = super.createConnection(plan.options as https.RequestOptions) as tls.TLSSocket;
      guardSocket(policyPort, socket, plan);
      return socket;
    }
    if (callback === undefined) throw new TypeError('createConnection needs a callback to tunnel through a proxy');
    // Through a proxy the socket comes later, so the callback form of createConnection
    // (which http.Agent supports) hands it over once the tunnel is up. Meanwhile a placeholder
    // holds its place in the agent's books, or maxSockets would not count the pending ones.
    const release = this.#holdPlace(String((options as { _agentKey?: unknown })._agentKey ?? ''));
    openTunnel(proxy, host, port, {
      proxyTls: this.#proxyTls,
      timeout: typeof options.timeout === 'number' ? options.timeout : undefined,
    }).then(
      (tunnel) => {
        release();
        let socket: tls.TLSSocket;
        // A throw here (a bad key or passphrase: Node throws those from tls.connect) would be an
        // unhandled rejection, which ends the process: it goes to the request instead.
        try {
          socket = super.createConnection({ ...plan.options, socket: tunnel } as https.RequestOptions) as tls.TLSSocket;
          guardSocket(policyPort, socket, plan);
        } catch (error) {
          tunnel.destroy();
          callback(error as Error, undefined as unknown as Duplex);
          return;
        }
        callback(null, socket);
      },
      (error: Error) => {
        release();
        callback(error, undefined as unknown as Duplex);
      },
    );
    return undefined;
  }

  #cachedSession(options: https.RequestOptions): Buffer | undefined {
    const key = (options as { _agentKey?: unknown })._agentKey;
    // @ts-expect-error https.Agent#_getSession is Node's session cache, public in practice but absent from @types/node.
    const getSession: unknown = this._getSession;
    if (typeof key !== 'string' || typeof getSession !== 'function') return undefined;
    const session: unknown = getSession.call(this, key);
    return Buffer.isBuffer(session) ? session : undefined;
  }

  /** Counts a connection being set up against maxSockets/maxTotalSockets until `release()`. */
  #holdPlace(name: string): () => void {
    const books = this as unknown as { sockets: Record<string, unknown[] | undefined>; totalSocketCount?: number };
    const placeholder = new net.Socket();
    const list = (books.sockets[name] ??= []);
    list.push(placeholder);
    if (typeof books.totalSocketCount === 'number') books.totalSocketCount += 1;
    return () => {
      const current = books.sockets[name];
      const at = current?.indexOf(placeholder) ?? -1;
      if (current !== undefined && at !== -1) {
        current.splice(at, 1);
        if (current.length === 0) delete books.sockets[name];
        if (typeof books.totalSocketCount === 'number') books.totalSocketCount -= 1;
      }
      placeholder.destroy();
    };
  }
}

/**
 * A keep-alive `https.Agent` that refuses anything below the policy on in-scope hosts,
 * whatever the request options, process defaults or NODE_OPTIONS say. Out-of-scope hosts get
 * a plain agent's behaviour.
 */
export function createHttpsAgent(options: PolicyHttpsAgentOptions = {}): PolicyHttpsAgent {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object of https.Agent options', options);
  // proxyEnv is never handed to Node's https.Agent: its own tunnel would run the origin's
  // handshake where this agent cannot guard it. This agent tunnels itself, as for `proxy`.
  const [{ policy, proxy, proxyTls, proxyEnv }, agentOptions] = splitOptions(options, ['policy', 'proxy', 'proxyTls', 'proxyEnv']);
  if (proxyTls !== undefined && (typeof proxyTls !== 'object' || proxyTls === null))
    throw invalidOption('options.proxyTls', 'an object of TLS options', proxyTls);
  if (proxyEnv !== undefined && (typeof proxyEnv !== 'object' || proxyEnv === null))
    throw invalidOption('options.proxyEnv', 'an object of proxy variables (process.env)', proxyEnv);
  const route: RouteSetting = { proxy: proxyOption(proxy), proxyEnv: proxyEnv as ProxyEnv | undefined, noProxyRules: 'node' };
  return new PolicyAgent({ keepAlive: true, ...agentOptions }, toPolicy(policy, 'options.policy'), route, proxyTls);
}

/** True when `agent` was made by {@link createHttpsAgent} (in any copy of this package). */
export function isPolicyAgent(agent: unknown): agent is PolicyHttpsAgent {
  return isMarkedAgent(agent) && typeof (agent as { addRequest?: unknown }).addRequest === 'function';
}
