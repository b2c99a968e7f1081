import { invalidOption } from './errors.js';
import { hostOfUrlOrName, normalizeHost, type NormalizedHost } from './host-names.js';
import { MICROSOFT_365_HOSTS } from './microsoft365-hosts.js';

/**
 * A compiled host scope: exact names in one set, `*.suffix` patterns in another, so a lookup
 * costs one probe per label of the name, whatever the number of patterns.
 */
export interface HostScope {
  /** The normalised patterns, as given (or `'*'`). */
  readonly patterns: readonly string[] | '*';
  /** Does the scope cover this (already normalised) host? */
  matches(host: NormalizedHost): boolean;
}

/** Label-boundary pattern syntax: `name.example` or `*.name.example`. */
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/u;

let builtInScope: HostScope | undefined;
const ANY_HOST: HostScope = Object.freeze({ patterns: '*', matches: () => true });

/**
 * Compiled scopes by their input, so that policies made with the same host lists (a policy per
 * agent or per request, with the same `hosts` or `extraHosts`) share one frozen scope: it is
 * parsed once, and comparing two such policies (policy/compare.ts) is an identity check.
 * Bounded: emptied when full.
 */
const compiled = new Map<string, HostScope>();
const COMPILED_LIMIT = 256;

export function compileScope(
  hosts: 'microsoft365' | '*' | readonly string[],
  extraHosts: readonly string[],
  path = 'policy.hosts',
): HostScope {
  if (hosts === '*') return ANY_HOST;
  // The built-in list (over 200 patterns) is parsed once per process: a policy made per agent or per
  // request (createHttpsAgent() without a policy) would otherwise parse it every time.
  if (hosts === 'microsoft365' && extraHosts.length === 0) {
    builtInScope ??= compileScope(MICROSOFT_365_HOSTS, [], 'MICROSOFT_365_HOSTS');
    return builtInScope;
  }
  // One read of the caller's lists: the cache key and the scope come from the same snapshot, so a
  // list that answers differently on a second read cannot file one scope under another's key.
  const given = hosts === 'microsoft365' ? MICROSOFT_365_HOSTS : [...hosts];
  const extra = [...extraHosts];
  const key = [...given, ...extra].every((p) => typeof p === 'string')
    ? JSON.stringify([hosts === 'microsoft365' ? 'microsoft365' : given, extra])
    : undefined;
  const hit = key === undefined ? undefined : compiled.get(key);
  if (hit !== undefined) return hit;
  const scope = compileLists(hosts === 'microsoft365', given, extra, path);
  if (key !== undefined) {
    if (compiled.size >= COMPILED_LIMIT) compiled.clear();
    compiled.set(key, scope);
  }
  return scope;
}

function compileLists(builtIn: boolean, given: readonly unknown[], extraHosts: readonly unknown[], path: string): HostScope {
  const exact = new Set<string>();
  const suffixes = new Set<string>();
  const patterns: string[] = [];
  const add = (pattern: unknown, where: string): void => {
    const parsed = parsePattern(pattern, where);
    (parsed.wildcard ? suffixes : exact).add(parsed.name);
    patterns.push(parsed.wildcard ? `*.${parsed.name}` : parsed.name);
  };
  given.forEach((p, i) => {
    add(p, builtIn ? 'MICROSOFT_365_HOSTS' : `${path}[${i}]`);
  });
  extraHosts.forEach((p, i) => {
    add(p, `policy.extraHosts[${i}]`);
  });
  // Frozen: a compiled scope never changes, so answers about it may be remembered (policy/compare.ts).
  return Object.freeze({
    patterns: Object.freeze([...new Set(patterns)]),
    matches(host: NormalizedHost) {
      if (host.kind === 'unknown') return true; // cannot tell: the safe answer is "in scope"
      if (exact.has(host.name)) return true;
      if (host.kind === 'ip' || suffixes.size === 0) return false; // IP literals match no suffix
      const name = host.name;
      for (let dot = name.indexOf('.'); dot !== -1; dot = name.indexOf('.', dot + 1)) {
        if (suffixes.has(name.slice(dot + 1))) return true;
      }
      return false;
    },
  });
}

const PATTERN_HELP = "a host name ('graph.microsoft.com'), a wildcard ('*.sharepoint.com') or an IP address";

function parsePattern(pattern: unknown, path: string): { wildcard: boolean; name: string } {
  if (typeof pattern !== 'string' || pattern.length === 0) throw invalidOption(path, PATTERN_HELP, pattern);
  const wildcard = pattern.startsWith('*.');
  const rest = wildcard ? pattern.slice(2) : pattern;
  if (rest.includes('*')) throw invalidOption(path, `${PATTERN_HELP}; '*' may only stand alone as the first label`, pattern);
  const host = normalizeHost(rest);
  if (host.kind === 'unknown') throw invalidOption(path, PATTERN_HELP, pattern);
  if (host.kind === 'ip') {
    if (wildcard) throw invalidOption(path, `${PATTERN_HELP}; an IP address takes no wildcard`, pattern);
    return { wildcard, name: host.name };
  }
  if (!host.name.split('.').every((label) => LABEL.test(label))) throw invalidOption(path, PATTERN_HELP, pattern);
  return { wildcard, name: host.name };
}

/**
 * The names connection options give for the peer (`hostname`, `host`, `servername`, and the
 * host a given `socket` was dialled to, for a STARTTLS upgrade), normalised. An empty
 * servername is Node's way to say "no SNI" (IP literal hosts): it names nothing.
 */
export function namedHosts(options: {
  readonly hostname?: unknown;
  readonly host?: unknown;
  readonly servername?: unknown;
  readonly socket?: unknown;
}): NormalizedHost[] {
  return [options.hostname, options.host, options.servername, socketHost(options.socket)]
    .filter((v): v is string => typeof v === 'string' && v !== '')
    .map((v) => normalizeHost(v));
}

/** The host a socket was dialled to (`net.Socket#_host`, which Node's own identity check falls back to). */
export function socketHost(socket: unknown): string | undefined {
  if (typeof socket !== 'object' || socket === null) return undefined;
  const host = (socket as { _host?: unknown })._host;
  return typeof host === 'string' && host !== '' ? host : undefined;
}

/** In scope when any of the names is; when nothing names the peer it cannot be told, so in scope. */
export function anyInScope(scope: HostScope, hosts: readonly NormalizedHost[]): boolean {
  return hosts.length === 0 || hosts.some((h) => scope.matches(h));
}

/** Normalises whatever a caller handed us as a target name. */
export function normalizeTarget(hostOrUrl: unknown): NormalizedHost {
  if (typeof hostOrUrl === 'string' || hostOrUrl instanceof URL) return hostOfUrlOrName(hostOrUrl);
  return normalizeHost(hostOrUrl);
}

/** The printable form of a host for reports and logs. */
export function displayHost(host: NormalizedHost): string {
  return host.kind === 'unknown' ? '(unknown)' : host.name;
}
