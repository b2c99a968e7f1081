import { isIP, isIPv4 } from 'node:net';

/** A host name reduced to the form the scope compares, or why it could not be. */
export type NormalizedHost =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'ip'; readonly name: string }
  | { readonly kind: 'unknown' };

const UNKNOWN: NormalizedHost = Object.freeze({ kind: 'unknown' });
// Characters that have no place in a bare host name. Their presence means the value is a URL
// fragment, userinfo trick or garbage: the caller's intent cannot be read, so it is "unknown"
// (and unknown targets are treated as in scope).
const NOT_A_HOST = /[\s/\\?#@%<>"'`^{}|]/u;

// Normalisation runs for every new connection; the same few names recur, so a small cache
// keeps it off the hot path. Bounded: cleared when full, so hostile input cannot grow it.
const CACHE_LIMIT = 1024;
const cache = new Map<string, NormalizedHost>();

/**
 * Normalises a host name as the WHATWG URL parser does for `https:` URLs (lower case,
 * IDNA A-labels, full-width dots, IPv4 in any notation), then removes one trailing dot.
 */
export function normalizeHost(input: unknown): NormalizedHost {
  if (typeof input !== 'string' || input.length === 0 || input.length > 253 * 4) return UNKNOWN;
  const hit = cache.get(input);
  if (hit !== undefined) return hit;
  const result = normalizeUncached(input);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(input, result);
  return result;
}

function normalizeUncached(input: string): NormalizedHost {
  const bare = input.startsWith('[') && input.endsWith(']') ? input.slice(1, -1) : input;
  if (isIP(bare) === 6) return ipv6(bare);
  if (NOT_A_HOST.test(input) || input.includes(':')) return UNKNOWN;
  let hostname: string;
  try {
    hostname = new URL(`https://${input}/`).hostname;
  } catch {
    return UNKNOWN;
  }
  if (hostname.endsWith('.')) hostname = hostname.slice(0, -1);
  if (hostname.length === 0 || hostname.includes('..') || hostname.startsWith('.')) return UNKNOWN;
  if (isIP(hostname) === 4) return { kind: 'ip', name: hostname };
  return { kind: 'name', name: hostname };
}

function ipv6(address: string): NormalizedHost {
  try {
    return { kind: 'ip', name: new URL(`https://[${address}]/`).hostname };
  } catch {
    return UNKNOWN;
  }
}

/**
 * The host of a URL, or of `host[:port]`, normalised. Userinfo (`user@`) is never taken for
 * the host: the WHATWG parser separates it, exactly as the HTTP clients do.
 */
export function hostOfUrlOrName(input: string | URL): NormalizedHost {
  if (input instanceof URL) return normalizeHost(input.hostname);
  if (input.includes('://')) {
    try {
      return normalizeHost(new URL(input).hostname);
    } catch {
      return UNKNOWN;
    }
  }
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/u.exec(input);
  if (bracketed) return normalizeHost(bracketed[1]);
  const withPort = /^([^:]+):\d{1,5}$/u.exec(input);
  if (withPort) return normalizeHost(withPort[1]);
  return normalizeHost(input);
}

/** The host of an authority (`name:port`, `[v6]:port`), as a Host header or `:authority` carries it. */
export function hostOfAuthority(authority: unknown): string | undefined {
  if (typeof authority !== 'string' || authority === '') return undefined;
  return authority.startsWith('[') ? authority.slice(1, authority.indexOf(']')) : authority.split(':')[0];
}

/**
 * Is `host:port` in a NO_PROXY list? `'curl'` rules (curl, undici's EnvHttpProxyAgent): `*`, or
 * names (a leading `.` or `*.` optional: the name and every name under it) and IPs, each with an
 * optional `:port`. `'node'` rules (Node's https.Agent with its env proxy): a bare name or IP
 * (with an optional `:port`) is that host only; `.name` and `*.name` cover the names under it
 * (`.name` the name itself too); `a.b.c.d-e.f.g.h` is an IPv4 range.
 */
export function bypassesProxy(list: string | undefined, host: string, port: number, rules: 'node' | 'curl' = 'curl'): boolean {
  if (list === undefined || list.trim() === '') return false;
  const target = normalizeHost(host);
  if (target.kind === 'unknown') return false; // cannot tell: keep the proxy, as configured
  // Node splits on commas only (and trims); curl and undici on commas and spaces.
  const entries = rules === 'node' ? list.split(',').map((e) => e.trim()) : list.split(/[,\s]+/u);
  for (const raw of entries) {
    if (raw === '') continue;
    if (raw === '*') return true;
    if (rules === 'node') {
      if (nodeBypasses(raw.toLowerCase(), target, port)) return true;
      continue;
    }
    const match = /^(.*?)(?::(\d+))?$/u.exec(raw.startsWith('[') ? raw.replace(/^\[(.*)\]/u, '$1') : raw);
    const entryHost = (match?.[1] ?? raw).replace(/^\*?\./u, '');
    if (match?.[2] !== undefined && Number(match[2]) !== port) continue;
    const entry = normalizeHost(entryHost);
    if (entry.kind === 'unknown') continue;
    if (target.name === entry.name || (target.kind === 'name' && target.name.endsWith(`.${entry.name}`))) return true;
  }
  return false;
}

/** One NO_PROXY entry as Node's https.Agent reads it (lib/_http_agent ProxyConfig#shouldUseProxy). */
function nodeBypasses(entry: string, target: NormalizedHost, port: number): boolean {
  if (target.kind === 'unknown') return false;
  const host = target.name;
  if (entry === host || entry === `${host}:${port}`) return true;
  // Stricter than some Node versions on purpose: `.microsoft.com` covers names under it, never
  // `notmicrosoft.com` (Node 24.5's plain endsWith did; later versions check the boundary).
  if (entry.startsWith('.')) return host === entry.slice(1) || host.endsWith(entry);
  if (entry.startsWith('*.')) return host.endsWith(entry.slice(1));
  const range = /^(\d{1,3}(?:\.\d{1,3}){3})-(\d{1,3}(?:\.\d{1,3}){3})$/u.exec(entry);
  if (range && target.kind === 'ip' && isIPv4(host)) {
    const n = (ip: string): number => ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
    return n(host) >= n(range[1] ?? '') && n(host) <= n(range[2] ?? '');
  }
  return false;
}
