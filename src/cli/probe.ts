import { X509Certificate } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { isTlsPolicyError } from '../policy/errors.js';
import type { TlsFloor } from '../policy/types.js';
import { createTlsPolicy } from '../tls-policy.js';

/** The cipher policy the probe's verdict uses. */
export const PROBE_CIPHERS = 'strong';

export const PROBE_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type ProbeVersion = (typeof PROBE_VERSIONS)[number];

export interface ProbeTarget {
  /** As given, e.g. `graph.microsoft.com:443`. */
  readonly target: string;
  readonly host: string;
  readonly port: number;
  /** Where to connect instead of resolving `host` (`--resolve`). */
  readonly address?: string | undefined;
  /** SNI and the name the certificate must match. Default: the host (none for an IP). */
  readonly servername?: string | undefined;
}

export interface VersionResult {
  readonly accepted: boolean;
  /** The negotiated suite, when accepted. */
  readonly cipher?: string;
  /** Why not, as Node reports it (`ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION`, `ETIMEDOUT`, ...). */
  readonly code?: string;
}

export interface CertificateResult {
  readonly subject: string;
  readonly issuer: string;
  readonly validTo: string;
  readonly dnsNames: readonly string[];
  readonly verified: boolean;
  readonly verifyError?: string;
}

export interface ProbeResult {
  readonly target: string;
  readonly host: string;
  readonly port: number;
  readonly address?: string;
  readonly servername?: string;
  /** False when the target could not be reached at all (then `error` says why). */
  readonly reachable: boolean;
  readonly error?: { readonly code: string; readonly message: string };
  readonly versions: Readonly<Record<ProbeVersion, VersionResult>>;
  readonly certificate?: CertificateResult;
  readonly policy: PolicyVerdict;
}

/** The library's own verdict: a handshake made through `policy.tlsConnect`, as a client would. */
export interface PolicyVerdict {
  readonly passes: boolean;
  readonly reason: string;
  readonly protocol?: string;
  readonly cipher?: string;
  /** The TlsPolicyError code of a refusal (`ERR_TLS_POLICY_VERSION`, ...). */
  readonly code?: string;
  /** The violation kind of a refusal (`legacy-server`, `unverified-peer`, ...). */
  readonly kind?: string;
}

export interface ProbeOptions {
  readonly timeoutMs: number;
  readonly ca?: string | Buffer | undefined;
  readonly minVersion: TlsFloor;
}

interface Handshake {
  ok: boolean;
  code?: string | undefined;
  message?: string | undefined;
  protocol?: string | undefined;
  cipher?: string | undefined;
  authorized?: boolean | undefined;
  authorizationError?: string | undefined;
  cert?: X509Certificate | undefined;
}

// Codes that mean "nothing TLS answered here": the target, not a version, failed.
const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET']);
const NOT_TLS = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_RECORD_LAYER_FAILURE',
  'ERR_SSL_UNEXPECTED_EOF_WHILE_READING',
]);

/**
 * One handshake and nothing after it: no byte of application data is ever sent. Verification
 * is observed (`authorized`), not enforced, so that an unverifiable certificate can be
 * reported rather than hiding what the server speaks.
 */
function handshake(t: ProbeTarget, options: ProbeOptions, tlsOptions: tls.ConnectionOptions): Promise<Handshake> {
  const target = targetOptions(t, options);
  return settle<Handshake>(() => tls.connect({ ...target, rejectUnauthorized: false, ...tlsOptions }), options.timeoutMs, {
    timeout: (message) => ({ ok: false, code: 'ETIMEDOUT', message }),
    secure: (socket) => {
      // getPeerCertificate() first: calling getPeerX509Certificate() before it was seen to make
      // Node's checkServerIdentity miss names (Node 20). The X509 object is built from `raw`.
      const peer = socket.getPeerCertificate();
      const raw = peer?.raw ? new X509Certificate(peer.raw) : undefined;
      const identity = raw !== undefined && target.servername !== undefined ? tls.checkServerIdentity(target.servername, peer) : undefined;
      return {
        ok: true,
        protocol: socket.getProtocol() ?? undefined,
        cipher: socket.getCipher()?.name,
        authorized: socket.authorized && identity === undefined,
        authorizationError: socket.authorized ? (identity as { code?: string } | undefined)?.code : String(socket.authorizationError),
        ...(raw === undefined ? {} : { cert: raw }),
      };
    },
    error: (error) => ({ ok: false, code: error.code ?? 'ERROR', message: error.message.split('\n')[0] ?? '' }),
  });
}

/** Where and as whom to connect: the address (`--resolve`), SNI, and `--ca` added to Node's store. */
function targetOptions(t: ProbeTarget, options: ProbeOptions): tls.ConnectionOptions & { servername?: string } {
  const servername = t.servername ?? (net.isIP(t.host) ? undefined : t.host);
  return {
    host: t.address ?? t.host,
    port: t.port,
    ...(servername === undefined ? {} : { servername }),
    // --ca adds to Node's store: the `ca` option alone would replace it.
    ...(options.ca === undefined ? {} : { ca: [...tls.rootCertificates, String(options.ca)] }),
  };
}

/** Connects, waits for the handshake's outcome (or the timeout), destroys the socket, and reads the outcome. */
function settle<R>(
  connect: () => tls.TLSSocket,
  timeoutMs: number,
  read: { secure: (socket: tls.TLSSocket) => R; error: (error: Error & { code?: string }) => R; timeout: (message: string) => R },
): Promise<R> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (result: R): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const socket = connect();
    const timer = setTimeout(() => finish(read.timeout(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.once('secureConnect', () => finish(read.secure(socket)));
    socket.once('error', (error: Error & { code?: string }) => finish(read.error(error)));
  });
}

/** Tries each TLS version alone, then the policy's own handshake, and reports it all. */
export async function probeTarget(t: ProbeTarget, options: ProbeOptions): Promise<ProbeResult> {
  const versions = {} as Record<ProbeVersion, VersionResult>;
  let best: Handshake | undefined;
  for (const version of PROBE_VERSIONS) {
    // Security level 0 so the probe itself can speak TLS 1.0/1.1 under OpenSSL 3.
    const h = await handshake(t, options, { minVersion: version, maxVersion: version, ciphers: 'ALL:@SECLEVEL=0' });
    versions[version] = h.ok
      ? { accepted: true, ...(h.cipher ? { cipher: h.cipher } : {}) }
      : { accepted: false, ...(h.code ? { code: h.code } : {}) };
    if (h.ok) best = h;
    if (!h.ok && h.code !== undefined && (UNREACHABLE.has(h.code) || NOT_TLS.has(h.code)) && version === 'TLSv1') {
      // Does TLS 1.3 get further? If not, the target itself is the problem: say so once.
      const modern = await handshake(t, options, {});
      if (!modern.ok && modern.code !== undefined && (UNREACHABLE.has(modern.code) || NOT_TLS.has(modern.code))) {
        const reason = UNREACHABLE.has(modern.code) ? describeUnreachable(modern.code) : 'the peer does not speak TLS';
        const none = { accepted: false, code: modern.code };
        return {
          target: t.target,
          host: t.host,
          port: t.port,
          ...(t.address ? { address: t.address } : {}),
          ...(t.servername ? { servername: t.servername } : {}),
          reachable: false,
          error: { code: modern.code, message: reason },
          versions: { TLSv1: none, 'TLSv1.1': none, 'TLSv1.2': none, 'TLSv1.3': none },
          policy: { passes: false, reason },
        };
      }
    }
  }
  const policy = await policyVerdict(t, options);
  const cert = best?.cert;
  return {
    target: t.target,
    host: t.host,
    port: t.port,
    ...(t.address ? { address: t.address } : {}),
    ...(t.servername ? { servername: t.servername } : {}),
    reachable: true,
    versions,
    ...(cert === undefined
      ? {}
      : {
          certificate: {
            subject: cert.subject.replace(/\n/gu, ', '),
            issuer: cert.issuer.replace(/\n/gu, ', '),
            validTo: new Date(cert.validTo).toISOString(),
            dnsNames: (cert.subjectAltName ?? '')
              .split(/,\s*/u)
              .filter((n) => n.startsWith('DNS:'))
              .map((n) => n.slice(4)),
            verified: best?.authorized === true,
            ...(best?.authorized === true || best?.authorizationError === undefined ? {} : { verifyError: best.authorizationError }),
          },
        }),
    policy,
  };
}

/**
 * The policy's verdict, from the policy itself: a `'strong'` policy with the probe's floor and
 * every host in scope connects through `tlsConnect`, so the answer is exactly what a client of
 * this library meets (same hardening, same verdict, same codes). Nothing is sent after it.
 */
function policyVerdict(t: ProbeTarget, options: ProbeOptions): Promise<PolicyVerdict> {
  // No process warnings: the probe prints its own verdict for every target.
  const policy = createTlsPolicy({ minVersion: options.minVersion, hosts: '*', ciphers: PROBE_CIPHERS, warnings: false });
  return settle<PolicyVerdict>(() => policy.tlsConnect(targetOptions(t, options)), options.timeoutMs, {
    timeout: (reason) => ({ passes: false, reason, code: 'ETIMEDOUT' }),
    secure: (socket) => {
      const protocol = socket.getProtocol() ?? '';
      const cipher = socket.getCipher()?.name ?? '';
      return { passes: true, reason: `${protocol} with ${cipher}, certificate verified`, protocol, cipher };
    },
    error: (error) => refusal(error, options.minVersion),
  });
}

function refusal(error: Error & { code?: string }, floor: TlsFloor): PolicyVerdict {
  if (!isTlsPolicyError(error))
    return {
      passes: false,
      reason: `no handshake at ${floor} or above with a policy cipher (${error.code ?? 'ERROR'})`,
      code: error.code ?? 'ERROR',
    };
  const v = error.violations[0];
  const why = `${error.code}${v?.nodeCode === undefined ? '' : `, ${v.nodeCode}`}`;
  const base = { passes: false, code: error.code, ...(v === undefined ? {} : { kind: v.kind }) } as const;
  if (v?.kind === 'unverified-peer') return { ...base, reason: `the certificate does not verify (${why})` };
  return { ...base, reason: `no handshake at ${floor} or above with a policy cipher (${why})` };
}

function describeUnreachable(code: string): string {
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve';
  if (code === 'ETIMEDOUT') return 'no answer (timed out)';
  if (code === 'ECONNREFUSED') return 'connection refused';
  return `cannot connect (${code})`;
}
