import { invalidOption, isTlsPolicyError, type TlsPolicyError } from '../policy/errors.js';
import { bypassesProxy } from '../policy/host-names.js';
import { type ProxyOption, type ProxyTarget, proxyTarget } from '../policy/options.js';
import { anyInScope, displayHost, namedHosts } from '../policy/scope.js';
import { hardenTlsOptions, plannedIdentity, type TlsOptionsLike, weakeningOptions } from '../policy/tls-options.js';
import { actionFor, makeViolation, policyError, type ViolationContext } from '../policy/violations.js';
import { isPort, type PolicyPort } from './port.js';
import { brandOf, KEYS, sharedState } from './registry.js';
import { sessionKey as sessionKeyOf, storedSession } from './session-store.js';
import { recordOf, type SessionRecord } from './sessions.js';

/**
 * What the policy decided for one outgoing connection, before it is made. The only place a
 * connection's scope and hardening are decided: the https agent, the fetch dispatcher, the
 * process-wide install, `policy.tlsConnect` and `policy.tlsOptions` all plan through here,
 * and hand the handshake to the one verdict (verdict.ts).
 */
export interface ConnectionPlan {
  /** In scope by a name the connection carries (a certificate can still bring it in after the handshake). */
  readonly inScope: boolean;
  /** The options were hardened (in scope, enforce mode): Node checks floor, suites and identity itself. */
  readonly hardened: boolean;
  readonly ctx: ViolationContext;
  /** The options to connect with: hardened for in-scope hosts in enforce mode, else the caller's. */
  readonly options: TlsOptionsLike;
  /** What was known when the session these options offer was issued (none offered: undefined). */
  readonly resumes?: SessionRecord | undefined;
  /** Where the sessions of this (hardened) connection are kept in the process-wide store. */
  readonly sessionKey?: string | undefined;
  /** The name the certificate must be verified for (the in-scope one the policy puts back, where an escape was overridden). */
  readonly identity: string | undefined;
  /**
   * The proxy to tunnel through to the origin (agent and dispatcher: see {@link RouteSetting}).
   * The plan is the same either way: the policy applies to the handshake with the origin.
   */
  readonly proxy?: ProxyTarget | undefined;
  /** Set when the connection must not be attempted at all (`insecureOptions: 'refuse'`, a malformed proxy variable). */
  readonly refused?: TlsPolicyError;
}

/** Proxy variables: `process.env`, or an https.Agent's `proxyEnv`. */
export type ProxyEnv = Readonly<Record<string, string | undefined>>;

/** How an adapter that connects by itself (the https agent, the fetch dispatcher) reaches origins. */
export interface RouteSetting {
  /** Its `proxy` option. */
  readonly proxy: ProxyOption;
  /** Node's `proxyEnv` agent option: variables read instead of Node's env proxy, when `proxy` is unset. */
  readonly proxyEnv?: ProxyEnv | undefined;
  /**
   * Whose NO_PROXY rules apply to the environment's proxy: `'node'` for the https agent (as
   * Node's own agent reads them: a bare name bypasses that name only), `'curl'` for the fetch
   * dispatcher (as undici's EnvHttpProxyAgent, behind Node's fetch: a bare name covers its
   * subdomains too). The policy's connection goes where the plain client's would.
   */
  readonly noProxyRules?: 'node' | 'curl' | undefined;
}

/**
 * Decides scope, hardens (or judges) the caller's options and reports weakening ones. The
 * policy is applied last, over agent and request options alike, so nothing the caller or a
 * library wrote into them can lower it.
 */
export function planConnection(port: PolicyPort, given: TlsOptionsLike, route?: RouteSetting): ConnectionPlan {
  const plan = planTls(port, given);
  if (route === undefined || plan.refused !== undefined) return plan;
  const { hostname, host, port: targetPort } = plan.options as { hostname?: unknown; host?: unknown; port?: unknown };
  try {
    return { ...plan, proxy: routeFor(route, String(hostname ?? host ?? 'localhost'), Number(targetPort) || 443) };
  } catch (error) {
    if (!isTlsPolicyError(error)) throw error;
    return { ...plan, refused: error };
  }
}

function planTls(port: PolicyPort, given: TlsOptionsLike): ConnectionPlan {
  const { config } = port;
  // One read of the caller's options: every decision below, and the options Node gets, come
  // from this snapshot, so a getter cannot answer one thing to the check and another to Node.
  const options = withoutPolicyContext({ ...given });
  const hosts = namedHosts(options);
  const inScope = anyInScope(config.scope, hosts);
  // Report the name, not the address: a connection to 127.0.0.1 with SNI outlook.office365.com
  // is about outlook.office365.com.
  const primary = hosts.find((h) => h.kind === 'name') ?? hosts[0];
  const ctx: ViolationContext = {
    host: primary === undefined ? '(unknown)' : displayHost(primary),
    port: typeof options.port === 'number' ? options.port : Number(options.port) || undefined,
    servername: typeof options.servername === 'string' && options.servername !== '' ? options.servername : undefined,
  };
  // Offer only sessions issued to connections a policy judged and passed: never a refused
  // connection's (its scope may have come from a certificate a resumed handshake no longer
  // shows), nor one made before a policy applied or under weaker options (it may carry a suite
  // the hardened ClientHello no longer offers). Set explicitly, even to undefined: Node's
  // https.Agent adds its cached session only where the options name none.
  const identity = plannedIdentity(options, config);
  const resumes = recordOf(options.session, identity, { port, inScope });
  const session = resumes === undefined ? undefined : options.session;
  const marked = { ...options, session, [KEYS.guardedBy]: port };
  if (!inScope) return { inScope, hardened: false, ctx, options: marked, resumes, identity };
  const weak = weakeningOptions(options, config);
  if (weak.length > 0) {
    const action = actionFor(config.mode, config.insecureOptions === 'refuse' ? 'block' : 'override');
    const detail = action === 'blocked' ? 'TLS options weaker than the policy; connection refused' : 'TLS options weaker than the policy';
    const v = makeViolation(ctx, { kind: 'insecure-options', detail, options: weak, action });
    port.sink.violations([v]);
    if (action === 'blocked') return { inScope, hardened: false, ctx, options, identity, refused: policyError([v]) };
  }
  if (config.mode !== 'enforce') return { inScope, hardened: false, ctx, options: marked, resumes, identity };
  const hardened: TlsOptionsLike = { ...hardenTlsOptions(options, config), [KEYS.guardedBy]: port };
  // Reuse one hardened SecureContext instead of letting tls.connect build one per connection.
  hardened.secureContext = port.contexts.get(hardened);
  // No session from the client: the process-wide store may hold one for exactly this context,
  // identity check, name, host and port (a new agent per request still resumes). It passes
  // the same record check as any other.
  const sessionKey = sessionKeyOf(hardened);
  const stored = options.session === undefined ? storedSession(sessionKey) : undefined;
  const storedResumes = stored === undefined ? undefined : recordOf(stored, identity, { port, inScope });
  hardened.session = storedResumes === undefined ? session : stored;
  return { inScope, hardened: true, ctx, options: hardened, resumes: storedResumes ?? resumes, identity, sessionKey };
}

/**
 * A SecureContext that a policy built (another policy's agent, seen by a process-wide install)
 * is that policy's hardening, not a caller's weakening: the options are judged without it, and
 * hardened with this policy's own. A caller's SecureContext stays, and is judged.
 */
function withoutPolicyContext(options: TlsOptionsLike): TlsOptionsLike {
  if (options.secureContext === undefined || !sharedState().policyContexts.has(options.secureContext)) return options;
  const { secureContext: _policyOwn, ...rest } = options;
  return rest;
}

/**
 * A plan's options for code that connects by itself (`policy.tlsOptions` for nodemailer,
 * imapflow): without the SecureContext and the guard marker, which only mean something to
 * the socket this engine watches.
 */
export function portableOptions(plan: ConnectionPlan): TlsOptionsLike {
  const { secureContext: _context, ...rest } = plan.options;
  delete rest[KEYS.guardedBy as unknown as string];
  return rest;
}

/** The port of the policy that planned these options (its agent, dispatcher or tlsConnect), if any. */
export function plannerOf(options: object): PolicyPort | undefined {
  const port = brandOf(options, KEYS.guardedBy);
  return isPort(port) ? port : undefined;
}

/**
 * The proxy for one connection to an origin, decided here once for the https agent and the
 * fetch dispatcher: an explicit URL; `true`, the environment's variables; `false`, none; unset,
 * the agent's `proxyEnv` if given, else the variables Node's own global agent uses (its env
 * proxy, or `http.setGlobalProxyFromEnv()`), so the policy's agent and dispatcher go where Node's
 * global agent and fetch go.
 * Variables are read as Node reads them: lower case first, `NO_PROXY` honoured.
 */
export function routeFor(route: RouteSetting, host: string, port: number): ProxyTarget | undefined {
  const { proxy, proxyEnv } = route;
  if (proxy === false) return undefined;
  if (typeof proxy === 'object') return proxy; // a URL, parsed when the agent or dispatcher was made
  const source = proxy === true ? 'process.env' : proxyEnv !== undefined ? 'options.proxyEnv' : 'https.globalAgent.options.proxyEnv';
  const rules = proxy === true ? 'curl' : (route.noProxyRules ?? 'curl');
  let name: string | undefined;
  let url: string | undefined;
  let noProxy: string | undefined;
  try {
    // One read of each variable: a getter cannot answer one thing to a check and another later.
    const env: ProxyEnv | undefined = proxy === true ? process.env : (proxyEnv ?? nodeProxyEnv());
    if (env === undefined) return undefined;
    // Node's https agent reads only the HTTPS variables; undici's EnvHttpProxyAgent (behind Node's
    // fetch) falls back to the HTTP ones for https: requests. `proxy: true` reads HTTPS only.
    const names =
      proxy !== true && rules === 'curl' ? ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'] : ['https_proxy', 'HTTPS_PROXY'];
    for (const n of names) {
      const value = env[n];
      if (value) {
        [name, url] = [n, String(value)];
        break;
      }
    }
    if (name !== undefined) noProxy = String(env['no_proxy'] || env['NO_PROXY'] || '') || undefined;
  } catch {
    // Proxy settings that throw when read (a getter, a replaced global agent): the connection
    // cannot be routed as asked, so it fails with a typed error, never a throw out of a socket event.
    throw invalidOption(source, 'proxy settings that can be read', 'a value that threw when read');
  }
  if (name === undefined || url === undefined || bypassesProxy(noProxy, host, port, rules)) return undefined;
  // A variable that is not an http: or https: URL (socks5://...) fails the connection with a typed
  // error naming it (proxyTarget): Node's agent and fetch ignore it and connect directly, but a
  // proxy the policy cannot honour is a configuration to fix, not one to route around silently.
  return proxyTarget(url, name);
}

let honoursProxyEnv: boolean | undefined;

/** Does this runtime's https.Agent honour `proxyEnv` (Node.js 22.21+, 24.5+, 25+; not Bun)? Asked per connection, worked out once. */
function agentsHonourProxyEnv(): boolean {
  if (honoursProxyEnv === undefined) {
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    const supported = major >= 25 || (major === 24 && minor >= 5) || (major === 22 && minor >= 21);
    honoursProxyEnv = supported && process.versions['bun'] === undefined;
  }
  return honoursProxyEnv;
}

/**
 * The proxy variables Node's own clients use at this moment, if any: those of `https.globalAgent`
 * (built with `proxyEnv: process.env` under the env proxy flag, or with the given variables by
 * `http.setGlobalProxyFromEnv()` — Node.js 24.14+, 25.4+ — until its restore function runs),
 * else `process.env` when the process runs with the flag (an application may have replaced the
 * global agent; Node's fetch still goes through the proxy). Read per connection: the function
 * can be called at any time.
 */
function nodeProxyEnv(): ProxyEnv | undefined {
  if (!agentsHonourProxyEnv()) return undefined;
  // The module object itself (getBuiltinModule: Node.js 20.16+, so on every version that gets here):
  // an ES module's `import * as https` keeps the global agent it saw at first, while
  // setGlobalProxyFromEnv() assigns a new one to the module object.
  const httpsModule = process.getBuiltinModule?.('node:https') as { globalAgent?: { options?: { proxyEnv?: unknown } } } | undefined;
  const fromGlobalAgent = httpsModule?.globalAgent?.options?.proxyEnv;
  if (typeof fromGlobalAgent === 'object' && fromGlobalAgent !== null) return fromGlobalAgent as ProxyEnv;
  return nodeEnvProxy() ? process.env : undefined;
}

let envProxyOn: boolean | undefined;

/**
 * Does this process run with Node's built-in env proxy (`NODE_USE_ENV_PROXY=1`, or
 * `--use-env-proxy` in NODE_OPTIONS or on the command line, the last flag winning; Node.js
 * 22.21+, 24.5+ and later)? Read once: Node reads it once, at start-up. Never on Bun, whose
 * node:https has no env proxy.
 */
export function nodeEnvProxy(): boolean {
  if (envProxyOn !== undefined) return envProxyOn;
  let on = process.env['NODE_USE_ENV_PROXY'] === '1';
  for (const flag of [...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/u), ...process.execArgv]) {
    if (flag === '--use-env-proxy') on = true;
    else if (flag === '--no-use-env-proxy') on = false;
  }
  envProxyOn = on && agentsHonourProxyEnv();
  return envProxyOn;
}
