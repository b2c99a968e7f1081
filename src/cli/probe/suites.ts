import type * as tls from 'node:tls';
import { suiteMeetsPolicy } from '../../policy/tls-options.js';
import { CIPHER_CODES } from '../../policy/classify.js';
import type { PolicyConfig } from '../../policy/options.js';
import type { Handshake } from './connect.js';
import type { ProbeVersion, SuiteResult } from './types.js';

// Which suites does a server accept at one version? As sslscan does it: offer everything, note
// the suite the server picks, offer everything but that, and so on until the server refuses.
// k accepted suites cost k + 1 handshakes, not one per suite OpenSSL knows.

/** Everything this Node's OpenSSL can offer at TLS 1.0-1.2, the weak and the anonymous included. */
const EVERYTHING = 'ALL:COMPLEMENTOFALL:@SECLEVEL=0';
/** Every TLS 1.3 suite (RFC 8446 B.4), strongest first; OpenSSL offers only the ones named. */
const TLS13_SUITES: readonly string[] = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_128_CCM_SHA256',
  'TLS_AES_128_CCM_8_SHA256',
];
/** Far more than any server accepts: a bound against a server that never says no. */
const MAX_SUITES = 64;

/** The handshake options that offer exactly one version and every suite not yet found. */
export function offer(version: ProbeVersion, found: readonly string[]): tls.ConnectionOptions | undefined {
  const versions = { minVersion: version, maxVersion: version } as const;
  if (version === 'TLSv1.3') {
    const left = TLS13_SUITES.filter((s) => !found.includes(s));
    return left.length === 0 ? undefined : { ...versions, ciphers: left.join(':') };
  }
  return { ...versions, ciphers: [EVERYTHING, ...found.map((s) => `!${s}`)].join(':') };
}

/**
 * Codes of "no suite in common": the end of an enumeration, not a failure of it. The alert codes
 * come from the policy's own table (OpenSSL 3.2 renamed them: Node 22+ says
 * `ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE`), plus the client's "nothing left to offer".
 */
const NO_SHARED_SUITE = new Set([
  ...CIPHER_CODES,
  'ERR_SSL_TLSV1_ALERT_INSUFFICIENT_SECURITY',
  'ERR_SSL_SSL/TLS_ALERT_INSUFFICIENT_SECURITY',
  'ERR_SSL_NO_CIPHERS_AVAILABLE',
  'ERR_SSL_NO_CIPHER_MATCH',
]);

export interface Enumeration {
  readonly names: readonly { name: string; standardName?: string | undefined }[];
  /** False when a handshake failed for another reason than "no shared suite" (then the list may be short). */
  readonly complete: boolean;
}

/** Continues from the first handshake at `version` (which accepted `first.cipher`) until the server refuses. */
export async function enumerateSuites(
  version: ProbeVersion,
  first: Handshake,
  attempt: (options: tls.ConnectionOptions) => Promise<Handshake>,
): Promise<Enumeration> {
  const names: { name: string; standardName?: string | undefined }[] = [];
  let last = first;
  while (last.ok && last.cipher !== undefined && names.length < MAX_SUITES) {
    // A server answering with a suite already found (or not offered) would loop: stop there.
    if (names.some((n) => n.name === last.cipher)) return { names, complete: false };
    names.push({ name: last.cipher, standardName: last.standardName });
    const options = offer(
      version,
      names.map((n) => n.name),
    );
    if (options === undefined) return { names, complete: true };
    last = await attempt(options);
  }
  return { names, complete: !last.ok && NO_SHARED_SUITE.has(last.code ?? '') };
}

/**
 * Why a suite is weak, from its OpenSSL name: no forward secrecy (RSA key exchange), CBC
 * (MAC-then-encrypt: Lucky13, POODLE-TLS), and the broken ciphers. TLS 1.3 suites are all
 * forward secret and AEAD.
 */
export function suiteWeaknesses(name: string, version: ProbeVersion): string[] {
  if (version === 'TLSv1.3') return [];
  const parts = name.split('-');
  const has = (...words: string[]): boolean => words.some((w) => parts.includes(w));
  const weaknesses: string[] = [];
  if (has('ADH', 'AECDH') || name.includes('anon')) weaknesses.push('anonymous (no authentication)');
  else if (!has('ECDHE', 'DHE', 'EDH')) weaknesses.push('no forward secrecy');
  if (has('NULL')) weaknesses.push('NULL (no encryption)');
  if (has('EXP', 'EXP1024')) weaknesses.push('export grade');
  if (has('RC4')) weaknesses.push('RC4');
  if (has('CBC3', '3DES')) weaknesses.push('3DES');
  else if (has('DES')) weaknesses.push('DES');
  if (has('MD5')) weaknesses.push('MD5');
  const aead = has('GCM', 'CHACHA20', 'CCM', 'CCM8', 'POLY1305');
  if (!aead && !has('RC4', 'NULL')) weaknesses.push('CBC');
  return weaknesses;
}

export function suiteResult(
  found: { name: string; standardName?: string | undefined },
  version: ProbeVersion,
  config: Pick<PolicyConfig, 'ciphers' | 'minVersion'>,
): SuiteResult {
  const weaknesses = suiteWeaknesses(found.name, version);
  return {
    name: found.name,
    ...(found.standardName === undefined ? {} : { standardName: found.standardName }),
    policy: suiteMeetsPolicy(found.name, version, config),
    weak: weaknesses.length > 0,
    weaknesses,
  };
}
