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
}

/** A validated, compiled policy configuration. */
export interface PolicyConfig {
  readonly minVersion: TlsFloor;
  readonly mode: 'enforce' | 'report';
  readonly ciphers: 'strong' | 'node-default';
  readonly insecureOptions: 'override' | 'refuse';
  readonly scope: HostScope;
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
  });
}
