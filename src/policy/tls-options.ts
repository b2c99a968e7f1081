import { constants } from 'node:crypto';
import * as tls from 'node:tls';
import { cipherStringWeakens, DEFAULT_TLS13_SUITES, negotiatedCipherAllowed, policyCipherString } from './ciphers.js';
import { normalizeHost } from './host-names.js';
import type { PolicyConfig } from './options.js';
import { namedHosts, socketHost } from './scope.js';

/** The subset of TLS connection options the policy reads or writes. */
export type TlsOptionsLike = tls.ConnectionOptions & Record<string, unknown>;

const VERSION_RANK: Readonly<Record<string, number>> = { SSLv3: 0, TLSv1: 1, 'TLSv1.1': 2, 'TLSv1.2': 3, 'TLSv1.3': 4 };

/** A TLS version as OpenTelemetry's `tls.protocol.version` names it: `TLSv1.2` → `1.2`, `TLSv1` → `1.0`. */
export function otelTlsVersion(protocol: string | undefined): string | undefined {
  return protocol?.replace(/^TLSv/u, '').replace(/^1$/u, '1.0');
}

/** Rank of a TLS version name; unknown names rank lowest, so they never pass a floor. */
export function versionRank(version: unknown): number {
  return typeof version === 'string' ? (VERSION_RANK[version] ?? -1) : -1;
}

/**
 * Would a policy client with default options get this suite at this version? The version must
 * meet the floor and the suite pass {@link negotiatedCipherAllowed}; at TLS 1.3 it must also be
 * one the client offers (a CCM suite passes the verdict but is never offered, so a CCM-only
 * server is refused). The CLI probe marks each suite a server accepts with it, so the probe and
 * a policy client never disagree.
 */
export function suiteMeetsPolicy(cipherName: string, protocol: string, config: Pick<PolicyConfig, 'ciphers' | 'minVersion'>): boolean {
  if (versionRank(protocol) < versionRank(config.minVersion)) return false;
  if (protocol === 'TLSv1.3') return DEFAULT_TLS13_SUITES.includes(cipherName);
  return negotiatedCipherAllowed(cipherName, protocol, config);
}

// secureOptions bits that weaken a client: disabling TLS 1.3 turns off the RFC 8446 downgrade
// sentinel check just as a low maxVersion does; the two legacy flags re-open renegotiation
// attacks (RFC 5746). Disabling TLS 1.0/1.1/1.2 only narrows, so it is left alone.
const WEAK_SECURE_OPTIONS =
  constants.SSL_OP_NO_TLSv1_3 | constants.SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION | constants.SSL_OP_LEGACY_SERVER_CONNECT;
const WEAK_SIGALGS = /SHA1|MD5|SHA224/iu;
const NODE_MIN_DH_SIZE = 1024;

/**
 * Names of the options in `options` that would weaken TLS below the policy. Only options the
 * caller set are judged here; process defaults are the checker's business.
 */
export function weakeningOptions(options: TlsOptionsLike, config: PolicyConfig): string[] {
  const found: string[] = [];
  if (options.minVersion !== undefined && versionRank(options.minVersion) < versionRank(config.minVersion)) found.push('minVersion');
  // A maximum below TLS 1.3 disables the downgrade sentinel check of RFC 8446 section 4.1.3.
  if (options.maxVersion !== undefined && options.maxVersion !== 'TLSv1.3') found.push('maxVersion');
  if (options.secureProtocol !== undefined) found.push('secureProtocol');
  if (options.ciphers !== undefined && (typeof options.ciphers !== 'string' || cipherStringWeakens(options.ciphers, config))) {
    found.push('ciphers');
  }
  if (
    options.secureOptions !== undefined &&
    (typeof options.secureOptions !== 'number' || (options.secureOptions & WEAK_SECURE_OPTIONS) !== 0)
  ) {
    found.push('secureOptions');
  }
  if (options.rejectUnauthorized === false) found.push('rejectUnauthorized');
  // Node ignores minVersion, maxVersion and ciphers when a secureContext is given.
  if (options.secureContext !== undefined) found.push('secureContext');
  if (options.sigalgs !== undefined && (typeof options.sigalgs !== 'string' || WEAK_SIGALGS.test(options.sigalgs))) found.push('sigalgs');
  if (options.minDHSize !== undefined && (typeof options.minDHSize !== 'number' || options.minDHSize < NODE_MIN_DH_SIZE))
    found.push('minDHSize');
  // An external pre-shared key authenticates the peer without a certificate: Node then reports
  // the connection as authorized although nobody proved to be the host.
  if (options.pskCallback !== undefined) found.push('pskCallback');
  if (identityEscapesScope(options, config)) found.push('servername');
  return found;
}

/**
 * The name Node verifies the server certificate against, and sends as SNI: `servername`, else
 * `host`, else the host a given socket was dialled to (Node's own rule in tls.connect). Node's
 * agent and undici fill `servername` from a `Host` header, so a header can choose it too.
 */
function identityTarget(options: TlsOptionsLike): string | undefined {
  if (typeof options.servername === 'string' && options.servername !== '') return options.servername;
  if (typeof options.host === 'string' && options.host !== '') return options.host;
  return socketHost(options.socket);
}

/**
 * The name a connection's certificate must be verified for: the one Node verifies, or, where
 * that name escapes the scope of an in-scope connection, the in-scope name the policy puts
 * back. The verdict checks this name in report mode too, and resumed sessions must have been
 * issued for it; undefined when nothing names the peer.
 */
export function plannedIdentity(options: TlsOptionsLike, config: PolicyConfig): string | undefined {
  const name = identityEscapesScope(options, config) ? inScopeIdentity(options, config) : { servername: identityTarget(options) ?? '' };
  const target =
    name.servername !== ''
      ? name.servername
      : (name.host ?? (typeof options.host === 'string' ? options.host : socketHost(options.socket)));
  if (target === undefined || target === '') return undefined;
  const normalized = normalizeHost(target);
  return normalized.kind === 'unknown' ? target : normalized.name;
}

/**
 * Is the connection in scope by one of its names while the certificate would be verified for a
 * name outside the scope? Then a peer holding a valid certificate for that other name would
 * receive what was meant for the in-scope host (`servername: 'example.test'` on a request to
 * graph.microsoft.com).
 */
function identityEscapesScope(options: TlsOptionsLike, config: PolicyConfig): boolean {
  if (config.scope.patterns === '*') return false;
  const target = identityTarget(options);
  if (target === undefined || config.scope.matches(normalizeHost(target))) return false;
  return namedHosts(options).some((h) => h.kind !== 'unknown' && config.scope.matches(h));
}

/** The in-scope name to verify instead: a name as SNI, or `''` (no SNI: Node checks `host`) for an IP. */
function inScopeIdentity(options: TlsOptionsLike, config: PolicyConfig): { servername: string; host?: string } {
  const hosts = namedHosts(options).filter((h) => h.kind !== 'unknown' && config.scope.matches(h));
  const name = hosts.find((h) => h.kind === 'name');
  if (name !== undefined && name.kind === 'name') return { servername: name.name };
  const ip = hosts[0];
  return ip !== undefined && ip.kind === 'ip' ? { servername: '', host: ip.name } : { servername: '' };
}

/**
 * A copy of `options` with the policy forced on top, after the caller's values, so that
 * everything else the caller set (ca, cert, key, session, ALPN, servername...) still applies.
 */
export function hardenTlsOptions<T extends TlsOptionsLike>(options: T, config: PolicyConfig): T {
  const out: TlsOptionsLike = { ...options };
  out.minVersion = versionRank(options.minVersion) > versionRank(config.minVersion) ? options.minVersion : config.minVersion;
  out.maxVersion = 'TLSv1.3';
  delete out.secureProtocol;
  delete out.secureContext;
  out.ciphers = policyCipherString(options.ciphers, config);
  if (typeof options.secureOptions === 'number') out.secureOptions = options.secureOptions & ~WEAK_SECURE_OPTIONS;
  else delete out.secureOptions;
  if (out.sigalgs !== undefined && (typeof out.sigalgs !== 'string' || WEAK_SIGALGS.test(out.sigalgs))) delete out.sigalgs;
  if (out.minDHSize !== undefined && (typeof out.minDHSize !== 'number' || out.minDHSize < NODE_MIN_DH_SIZE)) delete out.minDHSize;
  // Set explicitly: NODE_TLS_REJECT_UNAUTHORIZED=0 changes the default, not an explicit true.
  out.rejectUnauthorized = true;
  delete out.pskCallback;
  if (identityEscapesScope(options, config)) Object.assign(out, inScopeIdentity(options, config));
  const callerCheck = options.checkServerIdentity;
  if (typeof callerCheck === 'function') out.checkServerIdentity = composeIdentityCheck(callerCheck);
  return out as T;
}

type IdentityCheck = NonNullable<tls.ConnectionOptions['checkServerIdentity']>;
const composed = new WeakMap<IdentityCheck, IdentityCheck>();

/**
 * Node's own name check always runs first; the caller's function (pinning, extra rules) can
 * only add a refusal, never skip Node's. Cached per function so agents keep stable options.
 */
function composeIdentityCheck(callerCheck: IdentityCheck): IdentityCheck {
  let fn = composed.get(callerCheck);
  if (fn === undefined) {
    fn = (hostname, cert) => tls.checkServerIdentity(hostname, cert) ?? callerCheck(hostname, cert);
    composed.set(callerCheck, fn);
  }
  return fn;
}
