import { X509Certificate } from 'node:crypto';
import type * as tls from 'node:tls';
import type { ChainCertificate, ProbeWarning } from './types.js';

// The certificates a server presents, described as sslscan does: key type and size, signature
// algorithm, validity. Node's X509Certificate has no signature algorithm on Node 20, so it is
// read from the DER: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }.

const SIGNATURE_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.1': 'ecdsa-with-SHA224',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'ED25519',
  '1.3.101.113': 'ED448',
};
const CURVE_BITS: Readonly<Record<string, number>> = {
  prime256v1: 256,
  secp384r1: 384,
  secp521r1: 521,
  secp256k1: 256,
  prime192v1: 192,
  secp224r1: 224,
};
const DAY_MS = 24 * 3600 * 1000;
/** Microsoft 365 certificates renew well before this; less is worth a warning. */
export const EXPIRY_WARNING_DAYS = 30;

/** `INVALID_DATE` for a date that is not one (a malformed certificate's validity). */
export const INVALID_DATE = 'invalid';
export const isoOrInvalid = (date: Date): string => (Number.isNaN(date.getTime()) ? INVALID_DATE : date.toISOString());

/** One DER element at `at`: where its content starts and ends. */
function element(der: Buffer, at: number): { start: number; end: number } | undefined {
  let p = at + 1;
  const first = der[p++];
  if (first === undefined) return undefined;
  let length = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (der[p++] ?? 0);
  }
  return p + length <= der.length ? { start: p, end: p + length } : undefined;
}

function decodeOid(bytes: Buffer): string {
  const parts = [Math.floor((bytes[0] ?? 0) / 40), (bytes[0] ?? 0) % 40];
  let value = 0;
  for (const byte of bytes.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

/** The outer signatureAlgorithm's name (or its OID), read from the DER. */
export function signatureAlgorithmOf(der: Buffer): string {
  const certificate = element(der, 0);
  const tbs = certificate && element(der, certificate.start);
  const algorithm = tbs && element(der, tbs.end);
  const oid = algorithm && der[algorithm.start] === 0x06 ? element(der, algorithm.start) : undefined;
  if (oid === undefined) return 'unknown';
  const dotted = decodeOid(der.subarray(oid.start, oid.end));
  return SIGNATURE_ALGORITHMS[dotted] ?? dotted;
}

export function describeCertificate(peer: tls.PeerCertificate, now = Date.now()): ChainCertificate {
  const x509 = new X509Certificate(peer.raw);
  const key = x509.publicKey;
  const details = key.asymmetricKeyDetails;
  const keyBits = details?.modulusLength ?? (details?.namedCurve === undefined ? undefined : CURVE_BITS[details.namedCurve]);
  const validTo = new Date(x509.validTo);
  const validFrom = new Date(x509.validFrom);
  return {
    subject: x509.subject.replace(/\n/gu, ', '),
    issuer: x509.issuer.replace(/\n/gu, ', '),
    keyType: key.asymmetricKeyType ?? 'unknown',
    ...(keyBits === undefined ? {} : { keyBits }),
    signatureAlgorithm: signatureAlgorithmOf(peer.raw),
    // A date OpenSSL cannot read ("Bad time value") is reported as such, never thrown.
    validFrom: isoOrInvalid(validFrom),
    validTo: isoOrInvalid(validTo),
    daysLeft: Number.isNaN(validTo.getTime()) ? null : Math.floor((validTo.getTime() - now) / DAY_MS),
    selfSigned: x509.checkIssued(x509),
  };
}

/** Warnings for the chain: an expired or soon-expiring leaf, weak keys, weak signatures. */
export function chainWarnings(chain: readonly ChainCertificate[]): ProbeWarning[] {
  const warnings: ProbeWarning[] = [];
  const leaf = chain[0];
  if (leaf !== undefined && leaf.daysLeft === null)
    warnings.push({ code: 'cert-invalid-date', message: 'the certificate has a validity date that cannot be read' });
  else if (leaf?.daysLeft != null && leaf.daysLeft < 0)
    warnings.push({ code: 'cert-expired', message: `the certificate expired on ${leaf.validTo.slice(0, 10)}` });
  else if (leaf?.daysLeft != null && leaf.daysLeft < EXPIRY_WARNING_DAYS)
    warnings.push({ code: 'cert-expiring', message: `the certificate expires in ${leaf.daysLeft} days (${leaf.validTo.slice(0, 10)})` });
  chain.forEach((c, i) => {
    const which = i === 0 ? 'the certificate' : `chain certificate ${i + 1}`;
    const weakKey =
      c.keyType === 'rsa' || c.keyType === 'rsa-pss' || c.keyType === 'dsa'
        ? (c.keyBits ?? 0) < 2048
        : c.keyType === 'ec'
          ? (c.keyBits ?? 0) < 256
          : false;
    if (weakKey)
      warnings.push({ code: 'weak-key', message: `${which} has a weak key (${c.keyType.toUpperCase()} ${c.keyBits ?? '?'} bits)` });
    // A self-signed root's own signature is never checked: only what a client verifies counts.
    if (!c.selfSigned && /SHA1|MD5|SHA224/iu.test(c.signatureAlgorithm))
      warnings.push({ code: 'weak-signature', message: `${which} is signed with ${c.signatureAlgorithm}` });
  });
  return warnings;
}
