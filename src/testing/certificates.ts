import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { MICROSOFT_365_HOSTS } from '../policy/microsoft365-hosts.js';
import { issueCertificate } from './x509.js';

// The testing kit's certificates are made in each process that uses them, from keys made there:
// nothing secret is published with the package, and a server can pose as any name or address.
// Never trust TESTING_CA outside tests: it exists only in this process.

/** A certificate and its private key (PEM), as `tls.createServer` takes them. */
export interface TestCertificate {
  readonly cert: string;
  readonly key: string;
}

/**
 * The key type of a test certificate. `'ec'` (P-256, the default) is made in a millisecond and
 * serves TLS 1.0 to 1.3 with ECDHE-ECDSA suites; `'rsa'` (2048 bits, as Microsoft 365 front ends
 * use) is needed for RSA key-exchange suites (`AES128-SHA`), and takes about a second to make,
 * once per process.
 */
export type TestKeyType = 'ec' | 'rsa';

const CA_NAME = 'm365-tls-policy testing CA (made in this process; never trust outside tests)';
const YEAR_MS = 365.25 * 24 * 3600 * 1000;
const notBefore = new Date(Date.now() - 24 * 3600 * 1000); // a day of leeway for clock skew
const notAfter = new Date(Date.now() + 100 * YEAR_MS);

const caKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ca = { commonName: CA_NAME, privateKey: caKeys.privateKey, publicKey: caKeys.publicKey };

/** The test CA certificate (PEM), made for this process. Trust it explicitly in the clients under test. */
export const TESTING_CA: string = issueCertificate({
  commonName: CA_NAME,
  ca: true,
  publicKey: ca.publicKey,
  issuer: ca,
  notBefore,
  notAfter,
});

// One key pair per type per process, shared by every leaf of that type: test certificates
// differ in their names, and an RSA key is expensive to make.
const keys = new Map<TestKeyType, { privateKey: KeyObject; publicKey: KeyObject }>();
function keyPair(type: TestKeyType): { privateKey: KeyObject; publicKey: KeyObject } {
  let pair = keys.get(type);
  if (pair === undefined) {
    pair = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    keys.set(type, pair);
  }
  return pair;
}

const issued = new Map<string, TestCertificate>();

/**
 * A server certificate signed by {@link TESTING_CA} for exactly these DNS names (wildcards
 * allowed) and IP addresses, made once per process for each set of names and key type.
 */
export function issueTestCertificate(names: readonly string[], keyType: TestKeyType = 'ec'): TestCertificate {
  const cacheKey = `${keyType}\u0000${[...names].sort().join('\u0000')}`;
  let certificate = issued.get(cacheKey);
  if (certificate === undefined) {
    const { privateKey, publicKey } = keyPair(keyType);
    const cert = issueCertificate({ commonName: names[0] ?? 'test', names, ca: false, publicKey, issuer: ca, notBefore, notAfter });
    certificate = Object.freeze({ cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
    issued.set(cacheKey, certificate);
  }
  return certificate;
}

/** Every pattern of the built-in Microsoft 365 list, and an out-of-scope alias for certificate-scope tests. */
export const MICROSOFT_365_NAMES: readonly string[] = Object.freeze([...MICROSOFT_365_HOSTS, 'm365-alias.example.test']);
/** Names of no Microsoft 365 host: example.test and its subdomains, localhost and the loopback addresses. */
export const OTHER_NAMES: readonly string[] = Object.freeze(['example.test', '*.example.test', 'localhost', '127.0.0.1', '::1']);

/** A certificate object whose parts are made on first read (spread it, or read `cert` and `key`). */
function lazyCertificate(names: readonly string[]): TestCertificate {
  const out = {};
  for (const part of ['cert', 'key'] as const) {
    Object.defineProperty(out, part, { enumerable: true, get: () => issueTestCertificate(names)[part] });
  }
  return out as TestCertificate;
}

/** The "microsoft365" server certificate: {@link MICROSOFT_365_NAMES}. */
export const MICROSOFT_365_LEAF: TestCertificate = lazyCertificate(MICROSOFT_365_NAMES);
/** The "other" server certificate: {@link OTHER_NAMES} only. */
export const OTHER_LEAF: TestCertificate = lazyCertificate(OTHER_NAMES);
