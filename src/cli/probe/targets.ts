import { isIPv6 } from 'node:net';
import { printable } from '../format.js';
import { STARTTLS_PORTS } from './starttls.js';
import { STARTTLS_PROTOCOLS, type ProbeTarget, type StartTlsProtocol } from './types.js';

// Turning what the admin typed (arguments, a targets file, --m365) into probe targets.

/** A target the command line or a targets file got wrong. */
export class TargetError extends Error {}

/** The Microsoft 365 endpoints a service calls, per cloud, for `--m365` (docs/cli.md lists them and their sources). */
export const M365_PROBE_TARGETS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  worldwide: [
    'graph.microsoft.com:443',
    'login.microsoftonline.com:443',
    'login.microsoft.com:443',
    'outlook.office365.com:443',
    'outlook.office.com:443',
    // Exchange Online mail protocols: SMTP AUTH submission (STARTTLS), IMAP and POP3 over TLS.
    'smtp.office365.com:587',
    'outlook.office365.com:993',
    'outlook.office365.com:995',
  ],
  gccHigh: ['graph.microsoft.us:443', 'login.microsoftonline.us:443', 'outlook.office365.us:443'],
  dod: ['dod-graph.microsoft.us:443', 'login.microsoftonline.us:443', 'outlook-dod.office365.us:443', 'webmail.apps.mil:443'],
  china: [
    'microsoftgraph.chinacloudapi.cn:443',
    'login.partner.microsoftonline.cn:443',
    'login.chinacloudapi.cn:443',
    'partner.outlook.cn:443',
  ],
});
export const CLOUDS = Object.keys(M365_PROBE_TARGETS);

export interface TargetDefaults {
  /** `--resolve` entries: `host:port` -> address. */
  readonly resolves: ReadonlyMap<string, string>;
  readonly servername?: string | undefined;
  /** `--starttls`: a protocol, `none`, or undefined for "by the port". */
  readonly starttls?: StartTlsProtocol | 'none' | undefined;
}

export function parseStartTls(value: string | undefined): StartTlsProtocol | 'none' | undefined {
  if (value === undefined) return undefined;
  if (value === 'none' || (STARTTLS_PROTOCOLS as readonly string[]).includes(value)) return value as StartTlsProtocol | 'none';
  throw new TargetError(`--starttls must be one of ${[...STARTTLS_PROTOCOLS, 'none'].join(', ')} (got ${JSON.stringify(value)})`);
}

// A scheme in front of a target picks its dialogue, whatever the port, and its default port:
// `smtp://` (587, submission), `imap://` (143), `pop3://` (110) for STARTTLS; `tls://`, `https://` (443) for none.
const SCHEMES: Readonly<Record<string, { readonly dialogue: StartTlsProtocol | 'none'; readonly port: number }>> = {
  smtp: { dialogue: 'smtp', port: 587 },
  imap: { dialogue: 'imap', port: 143 },
  pop3: { dialogue: 'pop3', port: 110 },
  tls: { dialogue: 'none', port: 443 },
  https: { dialogue: 'none', port: 443 },
};

// A DNS name (letters, digits, '-', '_', '.'): anything else (control characters, spaces,
// slashes) is a typing error or an attempt to forge a line of the report.
const HOST_NAME = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/iu;

/** A host as typed: lower case, one trailing dot dropped, brackets off an IPv6 literal; undefined when not a host. */
function normalHost(raw: string): string | undefined {
  if (raw.startsWith('[')) {
    const inner = raw.slice(1, -1);
    return raw.endsWith(']') && isIPv6(inner) ? inner.toLowerCase() : undefined;
  }
  const host = raw.toLowerCase().replace(/\.$/u, '');
  return HOST_NAME.test(host) ? host : undefined;
}

/**
 * `host`, `host:port`, `[v6]:port` or a bare IPv6 address, each optionally after a scheme
 * (`smtp://host:port`); the port defaults to the scheme's, else 443.
 */
export function parseTarget(given: string, defaults: TargetDefaults): ProbeTarget {
  const scheme = /^([a-z0-9]+):\/\//iu.exec(given);
  const chosen = scheme === null ? undefined : SCHEMES[scheme[1]?.toLowerCase() ?? ''];
  if (scheme !== null && chosen === undefined)
    throw new TargetError(`'${printable(given)}': the scheme must be one of ${Object.keys(SCHEMES).join(', ')} (or none)`);
  const spec = scheme === null ? given : given.slice(scheme[0].length).replace(/\/$/u, '');
  const m: readonly (string | undefined)[] | null = isIPv6(spec)
    ? ['', `[${spec}]`, undefined]
    : /^(\[[^\]]*\]|[^:[\]]+)(?::(\d{1,5}))?$/u.exec(spec);
  const host = m?.[1] === undefined ? undefined : normalHost(m[1]);
  if (host === undefined) throw new TargetError(`'${printable(given)}' is not host[:port]`);
  const port = m?.[2] === undefined ? (chosen?.port ?? 443) : Number(m[2]);
  if (port < 1 || port > 65535) throw new TargetError(`'${printable(given)}': the port must be 1 to 65535`);
  const address = defaults.resolves.get(`${host}:${port}`);
  const dialogue = chosen?.dialogue ?? defaults.starttls ?? STARTTLS_PORTS[port];
  const starttls = dialogue === 'none' ? undefined : dialogue;
  return {
    target: `${host.includes(':') ? `[${host}]` : host}:${port}`,
    host,
    port,
    ...(address ? { address } : {}),
    ...(defaults.servername ? { servername: defaults.servername } : {}),
    ...(starttls ? { starttls } : {}),
  };
}

/** `--resolve host:port:address` (as curl), into a map keyed `host:port`. */
export function parseResolves(values: readonly string[]): Map<string, string> {
  const resolves = new Map<string, string>();
  for (const r of values) {
    const m = /^([^:]+):(\d{1,5}):(.+)$/u.exec(r);
    if (!m) throw new TargetError(`--resolve must be host:port:address (got ${JSON.stringify(r)})`);
    const [, host = '', port, address = ''] = m;
    if (Number(port) < 1 || Number(port) > 65535)
      throw new TargetError(`--resolve: the port must be 1 to 65535 (got ${JSON.stringify(r)})`);
    resolves.set(`${host.toLowerCase().replace(/\.$/u, '')}:${Number(port)}`, address.replace(/^\[(.*)\]$/u, '$1'));
  }
  return resolves;
}

/** A targets file: one target per line; blank lines and `#` comments (whole-line or trailing) ignored. */
export function parseTargetsFile(text: string, file: string): string[] {
  const specs: string[] = [];
  text.split(/\r?\n/u).forEach((raw, i) => {
    const line = raw.replace(/#.*$/u, '').trim();
    if (line === '') return;
    if (/\s/u.test(line)) throw new TargetError(`${file}:${i + 1}: one target per line (got ${JSON.stringify(line)})`);
    specs.push(line);
  });
  return specs;
}

/** The same target twice is probed once, in the order first given. */
export function uniqueTargets(targets: readonly ProbeTarget[]): ProbeTarget[] {
  const seen = new Set<string>();
  return targets.filter((t) => {
    const key = `${t.target}|${t.address ?? ''}|${t.starttls ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
