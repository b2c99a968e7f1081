import { invalidOption, TlsPolicyError } from './errors.js';
import { compileScope, type HostScope } from './scope.js';
import type { TlsFloor } from './types.js';

/** Options of {@link createTlsPolicy}. Every key is optional; unknown keys are refused. */
export interface TlsPolicyOptions {
  /** The lowest TLS version allowed for in-scope hosts. Default `'TLSv1.2'`. */
  readonly minVersion?: TlsFloor;
  /**
   * Which hosts the policy applies to: the built-in Microsoft 365 list (default), every host
   * (`'*'`), or your own patterns (`'graph.microsoft.com'`, `'*.sharepoint.com'`).
   */
  readonly hosts?: 'microsoft365' | '*' | readonly string[];
  /** Patterns added to `hosts`. */
  readonly extraHosts?: readonly string[];
  /** `'enforce'` (default) blocks and overrides; `'report'` only reports. */
  readonly mode?: 'enforce' | 'report';
  /**
   * TLS 1.2 cipher suites for in-scope hosts: `'strong'` (default) = forward-secret AEAD only;
   * `'node-default'` = Node's built-in list (never a process-wide override of it).
   */
  readonly ciphers?: 'strong' | 'node-default';
  /** Caller options that weaken TLS: raised to the policy and logged (default), or refused. */
  readonly insecureOptions?: 'override' | 'refuse';
  /**
   * Where to write one structured record per violation (at `warn`) and per runtime finding: your
   * pino, winston or bunyan logger, anything console-like, or `'json'` for NDJSON on stderr.
   * Default: none (violations nobody handles become process warnings). See docs/logging.md.
   */
  readonly logger?: LoggerLike | 'json' | false;
  /** Also write one record per in-scope connection that passed (at `info`). Default `false`. */
  readonly logConnections?: boolean;
  /**
   * Process warnings (`TlsPolicyWarning`) for violations nothing else handles: no `'violation'`
   * listener, no logger, no debug log, no channel subscriber. Default `true`; Node's
   * `--no-warnings` applies too.
   */
  readonly warnings?: boolean;
}

/** A logger as services have them (pino, winston, bunyan, console): `warn` at least. */
export interface LoggerLike {
  warn(...args: unknown[]): unknown;
  info?(...args: unknown[]): unknown;
  debug?(...args: unknown[]): unknown;
}

/** A validated, compiled policy configuration. */
export interface PolicyConfig {
  readonly minVersion: TlsFloor;
  readonly mode: 'enforce' | 'report';
  readonly ciphers: 'strong' | 'node-default';
  readonly insecureOptions: 'override' | 'refuse';
  readonly scope: HostScope;
  readonly logger: LoggerLike | 'json' | false;
  readonly logConnections: boolean;
  readonly warnings: boolean;
}

// Typed as a record over the interface's keys so that adding an option without listing it
// here fails to compile: the runtime list of accepted keys can never drift from the type.
const KNOWN_KEYS: Record<keyof TlsPolicyOptions, true> = {
  minVersion: true,
  hosts: true,
  extraHosts: true,
  mode: true,
  ciphers: true,
  insecureOptions: true,
  logger: true,
  logConnections: true,
  warnings: true,
};
const ALLOWED = Object.keys(KNOWN_KEYS).join(', ');

/** The floors a policy can name, lowest first: the one list every entry point validates against. */
export const TLS_FLOORS = ['TLSv1.2', 'TLSv1.3'] as const satisfies readonly TlsFloor[];
export const MODES = ['enforce', 'report'] as const;

/**
 * One value among `allowed`, or `fallback` when unset; otherwise an ERR_TLS_POLICY_INVALID_OPTION
 * naming `path` (an option path, an environment variable or a command-line flag) and the values.
 */
export function oneOf<T extends string>(path: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw invalidOption(path, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
}

function stringList(path: string, value: unknown): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidOption(path, 'an array of host patterns', value);
  return value as readonly string[];
}

/**
 * An option object's own property. Options are never read through the prototype chain: a
 * prototype-pollution bug elsewhere (`Object.prototype.mode = 'report'`) must not reach them.
 */
export function own(options: object, key: string): unknown {
  return Object.hasOwn(options, key) ? (options as Record<string, unknown>)[key] : undefined;
}

/**
 * Splits the keys this library reads (own properties only) from the options it passes on to
 * Node or undici (a spread: own enumerable properties, as Node would copy them).
 */
export function splitOptions<T extends object, K extends keyof T & string>(
  options: T,
  keys: readonly K[],
): [Partial<Pick<T, K>>, Omit<T, K>] {
  const taken: Partial<Pick<T, K>> = {};
  const rest: Record<string, unknown> = { ...(options as Record<string, unknown>) };
  for (const key of keys) {
    if (Object.hasOwn(options, key)) taken[key] = options[key];
    delete rest[key];
  }
  return [taken, rest as Omit<T, K>];
}

function booleanOption(path: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  throw invalidOption(path, 'true or false', value);
}

function loggerOption(value: unknown): LoggerLike | 'json' | false {
  if (value === undefined || value === false) return false;
  if (value === 'json') return 'json';
  if (typeof value === 'object' && value !== null && typeof (value as { warn?: unknown }).warn === 'function') return value as LoggerLike;
  throw invalidOption('policy.logger', "a logger with a warn method (pino, winston, bunyan, console), 'json' or false", value);
}

/** A proxy to tunnel through with HTTP CONNECT. */
export interface ProxyTarget {
  readonly url: URL;
  /** `Basic ...` from the URL's userinfo; sent, never logged or put in an error message. */
  readonly authorization: string | undefined;
}

/**
 * `proxy` as the agent and the dispatcher hold it: a proxy URL, parsed once at creation; `true`
 * for the proxy variables of the environment; `false` for never a proxy; unset for the proxy of
 * Node's own global agent (`NODE_USE_ENV_PROXY=1`, `--use-env-proxy`, `http.setGlobalProxyFromEnv()`), else none.
 */
export type ProxyOption = ProxyTarget | boolean | undefined;

/** Validates and parses a proxy option at creation; the environment is read per connection (engine/plan.ts). */
export function proxyOption(value: unknown, path = 'options.proxy'): ProxyOption {
  if (value === undefined || typeof value === 'boolean') return value;
  if (typeof value !== 'string' && !(value instanceof URL))
    throw invalidOption(path, "a proxy URL ('http://proxy:3128'), true or false", value);
  return proxyTarget(value, path);
}

/** A proxy URL, checked: `http:` or `https:`, credentials turned into a `Proxy-Authorization` value. */
export function proxyTarget(value: string | URL, path: string): ProxyTarget {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw invalidOption(path, "a proxy URL ('http://proxy:3128'), true or false", '(a malformed URL)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidOption(path, 'an http: or https: proxy URL', url.protocol);
  let user: string;
  let password: string;
  try {
    user = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    // Never the value itself: it holds a password.
    throw invalidOption(
      path,
      "a proxy URL whose user name and password are percent-encoded (a literal '%' is '%25')",
      '(a malformed user name or password)',
    );
  }
  const authorization = user || password ? `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` : undefined;
  return { url, authorization };
}

/** Validates options eagerly; every message names the option and the allowed values. */
export function resolvePolicyOptions(options: unknown): PolicyConfig {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw invalidOption('policy', 'an object of TlsPolicyOptions or a TlsPolicy', options);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!Object.hasOwn(KNOWN_KEYS, key)) {
      throw new TlsPolicyError('ERR_TLS_POLICY_INVALID_OPTION', `policy.${key} is not an option; the options are: ${ALLOWED}`);
    }
  }
  const hosts = own(o, 'hosts');
  let scopeHosts: 'microsoft365' | '*' | readonly string[];
  if (hosts === undefined || hosts === 'microsoft365' || hosts === '*') scopeHosts = hosts ?? 'microsoft365';
  else if (Array.isArray(hosts)) scopeHosts = hosts as readonly string[];
  else throw invalidOption('policy.hosts', "'microsoft365', '*' or an array of host patterns", hosts);
  return Object.freeze({
    minVersion: oneOf('policy.minVersion', own(o, 'minVersion'), TLS_FLOORS, 'TLSv1.2'),
    mode: oneOf('policy.mode', own(o, 'mode'), MODES, 'enforce'),
    ciphers: oneOf('policy.ciphers', own(o, 'ciphers'), ['strong', 'node-default'] as const, 'strong'),
    insecureOptions: oneOf('policy.insecureOptions', own(o, 'insecureOptions'), ['override', 'refuse'] as const, 'override'),
    scope: compileScope(scopeHosts, stringList('policy.extraHosts', own(o, 'extraHosts'))),
    logger: loggerOption(own(o, 'logger')),
    logConnections: booleanOption('policy.logConnections', own(o, 'logConnections'), false),
    warnings: booleanOption('policy.warnings', own(o, 'warnings'), true),
  });
}
