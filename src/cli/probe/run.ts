import type * as tls from 'node:tls';
import { isTlsPolicyError } from '../../policy/errors.js';
import type { TlsFloor } from '../../policy/types.js';
import { createTlsPolicy } from '../../tls-policy.js';
import { chainWarnings, describeCertificate, isoOrInvalid } from './chain.js';
import { connectTls, type Handshake, handshake, settle, targetOptions } from './connect.js';
import { checkFallbackScsv } from './scsv.js';
import { enumerateSuites, offer, suiteResult } from './suites.js';
import {
  type CertificateResult,
  type KeyExchange,
  PROBE_VERSIONS,
  type PolicyVerdict,
  type ProbeOptions,
  type ProbeResult,
  type ProbeTarget,
  type ProbeVersion,
  type ProbeWarning,
  type VersionResult,
} from './types.js';

/** The cipher policy the probe's verdict uses. */
export const PROBE_CIPHERS = 'strong';

// Codes that mean "nothing TLS answered here": the target, not a version, failed.
const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET']);
const NOT_TLS = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_RECORD_LAYER_FAILURE',
  'ERR_SSL_UNEXPECTED_EOF_WHILE_READING',
  'ERR_STARTTLS_REFUSED',
  'ERR_STARTTLS_CLOSED',
]);
const targetFailed = (code: string | undefined): boolean => code !== undefined && (UNREACHABLE.has(code) || NOT_TLS.has(code));

/**
 * Everything about one target, handshakes run side by side: first one handshake per version
 * (all suites offered), then, at once, the rest of each version's suites, the SCSV check and the
 * library's own policy handshake. Nothing is sent after any handshake.
 */
export async function probeTarget(t: ProbeTarget, options: ProbeOptions): Promise<ProbeResult> {
  const started = performance.now();
  const attempt = (version: ProbeVersion, tlsOptions: tls.ConnectionOptions | undefined, details = false): Promise<Handshake> =>
    handshake(t, options, tlsOptions ?? offer(version, []) ?? {}, details);
  const firsts = await Promise.all(PROBE_VERSIONS.map((v) => attempt(v, undefined, true)));
  const where = identity(t);
  if (firsts.every((h) => !h.ok && targetFailed(h.code))) {
    const code = (firsts.at(-1)?.code ?? 'ERROR') as string;
    const reason = UNREACHABLE.has(code)
      ? describeUnreachable(code)
      : code.startsWith('ERR_STARTTLS')
        ? (firsts.at(-1)?.message ?? code)
        : 'the peer does not speak TLS';
    const none = { accepted: false, code, ciphers: [] };
    return {
      ...where,
      reachable: false,
      error: { code, message: reason },
      versions: { TLSv1: none, 'TLSv1.1': none, 'TLSv1.2': none, 'TLSv1.3': none },
      fallbackScsv: null,
      chain: [],
      warnings: [],
      policy: { passes: false, reason },
      durationMs: Math.round(performance.now() - started),
    };
  }
  const accepted = PROBE_VERSIONS.filter((_, i) => firsts[i]?.ok === true);
  const config = { ciphers: PROBE_CIPHERS, minVersion: options.minVersion } as const;
  const [suites, fallbackScsv, { keyExchange: policyKeyExchange, ...policy }] = await Promise.all([
    Promise.all(PROBE_VERSIONS.map((v, i) => enumerateSuites(v, firsts[i] as Handshake, (o) => attempt(v, o)))),
    checkFallbackScsv(t, options, accepted),
    policyVerdict(t, options),
  ]);
  const versions = {} as Record<ProbeVersion, VersionResult>;
  const warnings: ProbeWarning[] = [];
  PROBE_VERSIONS.forEach((version, i) => {
    const h = firsts[i] as Handshake;
    const found = suites[i];
    const ciphers = (found?.names ?? []).map((n) => suiteResult(n, version, config));
    versions[version] = h.ok
      ? { accepted: true, ...(h.cipher ? { cipher: h.cipher } : {}), ciphers }
      : { accepted: false, ...(h.code ? { code: h.code } : {}), ciphers: [] };
    if (h.ok && (version === 'TLSv1' || version === 'TLSv1.1'))
      warnings.push({ code: 'legacy-version', message: `${version} is accepted (Microsoft 365 requires TLS 1.2 or later)` });
    const weak = ciphers.filter((c) => c.weak).map((c) => c.name);
    if (h.ok && version !== 'TLSv1' && version !== 'TLSv1.1' && weak.length > 0)
      warnings.push({ code: 'weak-suite', message: `${version} accepts weak suites: ${weak.join(', ')}` });
    if (h.ok && found?.complete === false)
      warnings.push({ code: 'incomplete', message: `${version}: the suite list may be incomplete (a handshake failed or timed out)` });
  });
  if (fallbackScsv === false)
    warnings.push({ code: 'no-fallback-scsv', message: 'a fallback to a lower version is not refused (TLS_FALLBACK_SCSV ignored)' });
  // The best handshake's certificate and key exchange: the highest accepted version.
  const best = [...firsts].reverse().find((h) => h.ok);
  const chain = (best?.chain ?? []).map((c) => describeCertificate(c));
  warnings.push(...chainWarnings(chain));
  const certificate = best?.cert === undefined ? undefined : leafSummary(best.cert, best);
  // The key exchange a policy client gets; else that of the best handshake (offering every suite).
  const keyExchange = describeKeyExchange(
    policy.passes ? { protocol: policy.protocol, cipher: policy.cipher, keyExchange: policyKeyExchange } : best,
  );
  return {
    ...where,
    reachable: true,
    versions,
    fallbackScsv,
    ...(certificate === undefined ? {} : { certificate }),
    chain,
    ...(keyExchange === undefined ? {} : { keyExchange }),
    warnings,
    policy,
    durationMs: Math.round(performance.now() - started),
  };
}

/**
 * What `getEphemeralKeyInfo()` says, or what it cannot: it is empty for RSA key transport (no
 * ephemeral key at all) and, on OpenSSL 3.5 (Node 22+), for the hybrid post-quantum group
 * X25519MLKEM768 that TLS 1.3 negotiates by default there, which Node cannot name.
 */
function describeKeyExchange(
  h: { protocol?: string | undefined; cipher?: string | undefined; keyExchange?: Handshake['keyExchange'] } | undefined,
): KeyExchange | undefined {
  if (h?.protocol === undefined) return undefined;
  const k = h.keyExchange;
  if (k?.type !== undefined) return { type: k.type, ...(k.name ? { name: k.name } : {}), ...(k.size ? { bits: k.size } : {}) };
  if (h.protocol !== 'TLSv1.3' && h.cipher !== undefined && !/^(ECDHE|DHE|EDH)-/u.test(h.cipher))
    return { type: 'RSA', name: 'key transport (no forward secrecy)' };
  return { type: 'unknown', name: 'not reported by this Node.js (a hybrid group such as X25519MLKEM768)' };
}

/** A target's own fields of its result. */
export function identity(t: ProbeTarget): Pick<ProbeResult, 'target' | 'host' | 'port' | 'address' | 'servername' | 'starttls'> {
  return {
    target: t.target,
    host: t.host,
    port: t.port,
    ...(t.address ? { address: t.address } : {}),
    ...(t.servername ? { servername: t.servername } : {}),
    ...(t.starttls ? { starttls: t.starttls } : {}),
  };
}

function leafSummary(cert: NonNullable<Handshake['cert']>, h: Handshake): CertificateResult {
  return {
    subject: cert.subject.replace(/\n/gu, ', '),
    issuer: cert.issuer.replace(/\n/gu, ', '),
    validTo: isoOrInvalid(new Date(cert.validTo)),
    dnsNames: (cert.subjectAltName ?? '')
      .split(/,\s*/u)
      .filter((n) => n.startsWith('DNS:'))
      .map((n) => n.slice(4)),
    verified: h.authorized === true,
    ...(h.authorized === true || h.authorizationError === undefined ? {} : { verifyError: h.authorizationError }),
  };
}

/**
 * The policy's verdict, from the policy itself: a `'strong'` policy with the probe's floor and
 * every host in scope connects through `tlsConnect` (after the STARTTLS dialogue, on the same
 * socket, as a mail client would), so the answer is exactly what a client of this library meets
 * (same hardening, same verdict, same codes). Nothing is sent after it.
 */
function policyVerdict(t: ProbeTarget, options: ProbeOptions): Promise<PolicyVerdict & { keyExchange?: Handshake['keyExchange'] }> {
  // No process warnings: the probe prints its own verdict for every target.
  const policy = createTlsPolicy({ minVersion: options.minVersion, hosts: '*', ciphers: PROBE_CIPHERS, warnings: false });
  // A full handshake every time, as a client's first connection makes: a session the policy
  // does not know turns off resumption from the process-wide store (a resumed handshake shows
  // no certificate and no key exchange).
  const fresh = { session: Buffer.alloc(0) };
  const connect =
    t.starttls === undefined
      ? () => policy.tlsConnect({ ...targetOptions(t, options), ...fresh })
      : connectTls(t, options, fresh, (o) => policy.tlsConnect(o));
  return settle<PolicyVerdict & { keyExchange?: Handshake['keyExchange'] }>(connect, options.timeoutMs, {
    timeout: (reason) => ({ passes: false, reason, code: 'ETIMEDOUT' }),
    secure: (socket) => {
      const protocol = socket.getProtocol() ?? '';
      const cipher = socket.getCipher()?.name ?? '';
      const keyExchange = (socket.getEphemeralKeyInfo() ?? undefined) as Handshake['keyExchange'];
      return { passes: true, reason: `${protocol} with ${cipher}, certificate verified`, protocol, cipher, keyExchange };
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
  const rest = { code: error.code, ...(v === undefined ? {} : { kind: v.kind }) } as const;
  if (v?.kind === 'unverified-peer') return { passes: false, reason: `the certificate does not verify (${why})`, ...rest };
  return { passes: false, reason: `no handshake at ${floor} or above with a policy cipher (${why})`, ...rest };
}

function describeUnreachable(code: string): string {
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve';
  if (code === 'ETIMEDOUT') return 'no answer (timed out)';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET') return 'the connection was reset';
  return `cannot connect (${code})`;
}
