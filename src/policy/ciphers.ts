import { constants } from 'node:crypto';
import * as tls from 'node:tls';
import type { PolicyConfig } from './options.js';

/**
 * TLS 1.2 suites of the `'strong'` policy: ECDHE key exchange (forward secrecy) with an AEAD
 * cipher. Microsoft 365 front ends and Azure Front Door all offer the ECDHE-RSA-AES-GCM pair,
 * so this set works with every Microsoft 365 endpoint (docs/policy.md).
 */
export const STRONG_TLS12_CIPHERS: readonly string[] = Object.freeze([
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
]);

// Node's *compiled-in* list. `tls.DEFAULT_CIPHERS` and `crypto.constants.defaultCipherList`
// follow `--tls-cipher-list` and run-time assignment, so they are exactly what must not be
// trusted; `defaultCoreCipherList` is fixed at build time.
const NODE_CORE_CIPHERS = constants.defaultCoreCipherList;
// The TLS 1.2 part of Node's list, aliases and exclusions included (`HIGH:!aNULL:...`).
const NODE_TLS12_PART = tokens(NODE_CORE_CIPHERS).filter((t) => !t.startsWith('TLS_'));
const STRONG = new Set(STRONG_TLS12_CIPHERS);
const CORE_TOKENS = new Set(tokens(NODE_CORE_CIPHERS));
const CORE_EXCLUSIONS = tokens(NODE_CORE_CIPHERS).filter((t) => t.startsWith('!'));

function tokens(cipherString: string): string[] {
  return cipherString.split(/[:, ]+/u).filter((t) => t.length > 0);
}

function isSuiteName(token: string): boolean {
  return /^[A-Z0-9_-]+$/u.test(token) && token.includes(token.startsWith('TLS_') ? '_' : '-');
}

/** Is one explicitly named TLS 1.2 suite inside the policy? */
function suiteAllowed(name: string, config: Pick<PolicyConfig, 'ciphers'>): boolean {
  if (config.ciphers === 'strong') return STRONG.has(name);
  return isSuiteName(name) && !name.split('-').some((part) => BROKEN_PARTS.has(part));
}

/**
 * Could this OpenSSL cipher string enable a TLS 1.2 suite outside the policy? Judged by its
 * text, conservatively: exclusions (`!X`, `-X`), re-ordering (`+X`, `@STRENGTH`), TLS 1.3
 * names and explicit suites of the policy are fine; aliases (`HIGH`, `DEFAULT`, `ALL`), unknown
 * names and `@SECLEVEL` below 2 could widen the set, so they count as weakening.
 */
export function cipherStringWeakens(value: string, config: Pick<PolicyConfig, 'ciphers'>): boolean {
  if (config.ciphers === 'node-default' && value === NODE_CORE_CIPHERS) return false;
  for (const token of tokens(value)) {
    if (token.startsWith('!') || token.startsWith('-') || token.startsWith('+')) continue;
    if (token === '@STRENGTH') continue;
    const level = /^@SECLEVEL=(\d)$/u.exec(token);
    if (level) {
      if (Number(level[1]) < 2) return true;
      continue;
    }
    if (token.startsWith('TLS_') && isSuiteName(token)) continue;
    if (!suiteAllowed(token, config)) return true;
  }
  return false;
}

/**
 * Is Node's process-wide default cipher list weaker than Node's own built-in list? A list that
 * only leaves entries of the built-in one out, keeping all its exclusions, is not (Bun's default
 * is such a list).
 */
export function processCiphersWeakened(value: string, config: Pick<PolicyConfig, 'ciphers'>): boolean {
  if (value === NODE_CORE_CIPHERS) return false;
  const given = tokens(value);
  if (given.every((t) => CORE_TOKENS.has(t)) && CORE_EXCLUSIONS.every((t) => given.includes(t))) return false;
  return cipherStringWeakens(value, config);
}

/**
 * The cipher string to force for an in-scope connection: the caller's when it stays inside
 * the policy, otherwise the policy's TLS 1.2 list. The caller's TLS 1.3 names are kept either
 * way (TLS 1.3 suites are all AEAD and forward secret; the policy leaves them alone).
 */
export function policyCipherString(callerValue: unknown, config: Pick<PolicyConfig, 'ciphers'>): string {
  if (typeof callerValue === 'string' && callerValue.length > 0 && !cipherStringWeakens(callerValue, config)) {
    return withSecurityLevel(callerValue);
  }
  const tls13 = typeof callerValue === 'string' ? tokens(callerValue).filter((t) => t.startsWith('TLS_') && isSuiteName(t)) : [];
  const tls12 = config.ciphers === 'strong' ? STRONG_TLS12_CIPHERS : NODE_TLS12_PART;
  return withSecurityLevel([...tls13, ...tls12].join(':'));
}

/**
 * OpenSSL security level 2 (112-bit security: RSA and DH keys of 2048 bits, no SHA-1
 * signatures) for in-scope connections, stated in the context itself: without it the level
 * comes from the process's OpenSSL configuration, which `OPENSSL_CONF` can lower to 0 and so
 * let RSA-768 keys and SHA-1-signed certificates through. A caller's own level of 2 or more
 * (a cipher string that passed the policy) is kept.
 */
export const POLICY_SECURITY_LEVEL = '@SECLEVEL=2';

/**
 * Does this TLS library know security levels? BoringSSL (Bun, and Node.js builds on it) has
 * none and refuses a cipher string that names one (`ERR_SSL_INVALID_COMMAND`): there the level
 * is left out, and the verdict's own key and signature check (engine/socket-checks.ts) stands in
 * for it. Found out by asking the library itself, once, never from `process.features`, which any
 * module can rewrite to make the policy drop its level.
 */
let securityLevels: boolean | undefined;
export function tlsLibraryHasSecurityLevels(): boolean {
  if (securityLevels === undefined) {
    try {
      tls.createSecureContext({ ciphers: `DEFAULT:${POLICY_SECURITY_LEVEL}` });
      securityLevels = true;
    } catch {
      securityLevels = false;
    }
  }
  return securityLevels;
}

function withSecurityLevel(cipherString: string): string {
  if (/@SECLEVEL=\d/u.test(cipherString) || !tlsLibraryHasSecurityLevels()) return cipherString;
  return `${cipherString}:${POLICY_SECURITY_LEVEL}`;
}

// Markers of suites no policy accepts, as they appear in OpenSSL names (RC4-MD5,
// DES-CBC3-SHA, ADH-AES128-SHA, EXP-RC4-MD5, NULL-SHA, PSK-AES128-CBC-SHA, ...).
const BROKEN_PARTS = new Set(['NULL', 'EXP', 'EXP1024', 'RC4', 'DES', 'CBC3', 'MD5', 'ADH', 'AECDH', 'PSK', 'SRP', 'IDEA', 'SEED', 'RC2']);

/**
 * The TLS 1.3 suites a policy client offers unless its caller names others: Node's compiled-in
 * ones (OpenSSL's default three: AES-256-GCM, ChaCha20-Poly1305, AES-128-GCM; not the CCM ones).
 */
export const DEFAULT_TLS13_SUITES: readonly string[] = Object.freeze(tokens(NODE_CORE_CIPHERS).filter((t) => t.startsWith('TLS_')));

/** Is a negotiated suite acceptable? TLS 1.3 suites always are. */
export function negotiatedCipherAllowed(cipherName: string, protocol: string, config: Pick<PolicyConfig, 'ciphers'>): boolean {
  if (protocol === 'TLSv1.3') return true;
  return suiteAllowed(cipherName, config);
}
