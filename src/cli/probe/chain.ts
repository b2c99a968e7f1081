import { X509Certificate } from 'node:crypto';
import type * as tls from 'node:tls';
import { isWeakSignature, signatureAlgorithmOf } from '../../support/x509-der.js';
import type { ChainCertificate, ProbeWarning } from './types.js';

// The certificates a server presents, described as sslscan does: key type and size, signature
// algorithm (read from the DER by support/x509-der.ts, as the verdict reads it), validity.

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
    // Advice, stricter than the verdict on purpose: EC below 256 bits (P-224) is warned about here,
    // while a connection is refused only below OpenSSL security level 2 (EC 224, RSA 2048;
    // engine/socket-checks.ts where the TLS library has no levels). An admin hears of P-224 before
    // a client ever refuses it.
    const weakKey =
      c.keyType === 'rsa' || c.keyType === 'rsa-pss' || c.keyType === 'dsa'
        ? (c.keyBits ?? 0) < 2048
        : c.keyType === 'ec'
          ? (c.keyBits ?? 0) < 256
          : false;
    if (weakKey)
      warnings.push({ code: 'weak-key', message: `${which} has a weak key (${c.keyType.toUpperCase()} ${c.keyBits ?? '?'} bits)` });
    // A self-signed root's own signature is never checked: only what a client verifies counts.
    if (!c.selfSigned && isWeakSignature(c.signatureAlgorithm))
      warnings.push({ code: 'weak-signature', message: `${which} is signed with ${c.signatureAlgorithm}` });
  });
  return warnings;
}
