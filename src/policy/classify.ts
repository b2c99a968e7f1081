import type { ViolationKind } from './types.js';

/** The policy reading of a Node.js TLS failure (its error code comes from the violation's kind). */
export interface Classification {
  readonly kind: FailureKind;
  readonly nodeCode: string;
  /** What it means, in words for the violation message. */
  readonly detail: string;
}

type FailureKind = Extract<ViolationKind, 'legacy-server' | 'downgrade-attack' | 'weak-cipher' | 'unverified-peer'>;

const DETAIL: Readonly<Record<FailureKind, string>> = {
  'legacy-server': 'the server only speaks a TLS version below the policy floor',
  'downgrade-attack': 'the handshake was tampered with on the path (downgrade attempt)',
  'weak-cipher': 'no cipher suite in common with the policy (the server offers only suites outside it)',
  'unverified-peer': 'the server certificate failed verification',
};

// By error code only, never by message text: messages change between OpenSSL releases, codes
// are Node's contract. The table is in docs/violations.md.
const VERSION_CODES = [
  'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', // the server answered our floor with a protocol_version alert
  'ERR_SSL_UNSUPPORTED_PROTOCOL', // the server picked a version below our floor
];
const DOWNGRADE_CODES = [
  'ERR_SSL_INAPPROPRIATE_FALLBACK', // RFC 8446 4.1.3 downgrade sentinel in ServerHello.random
  'ERR_SSL_TLSV1_ALERT_INAPPROPRIATE_FALLBACK', // RFC 7507: the server saw TLS_FALLBACK_SCSV
  // The handshake transcript or record layer caught tampering on the path.
  'ERR_SSL_BAD_SIGNATURE',
  'ERR_SSL_BAD_RECORD_MAC',
  'ERR_SSL_SSLV3_ALERT_BAD_RECORD_MAC',
  'ERR_SSL_SSL/TLS_ALERT_BAD_RECORD_MAC', // the same alert as named by OpenSSL 3.2+ (Node 22, 24)
  'ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC',
  'ERR_SSL_BAD_EXTENSION',
  'ERR_SSL_BAD_PROTOCOL_VERSION_NUMBER',
  'ERR_SSL_DIGEST_CHECK_FAILED',
  'ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR',
];
// A handshake_failure alert after we offered only policy suites most often means "no suite in
// common". It is only read that way when the policy did narrow the suites (see classifyTlsError).
// OpenSSL 3.2 renamed the "sslv3 alert" reasons to "ssl/tls alert" (Node 22 and 24 ship 3.5).
/** Node's codes for a handshake_failure alert or no shared suite: "no suite in common", on every OpenSSL Node ships. */
export const CIPHER_CODES: readonly string[] = [
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
  'ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE',
  'ERR_SSL_NO_SHARED_CIPHER',
];
// X.509 verification results (OpenSSL's names, as Node reports them) and Node's own name check.
// No key-exchange group in common (an `ecdhCurve` the peer does not offer): unambiguous, so
// read as weak-cipher whatever the cipher policy.
const GROUP_CODES = ['ERR_SSL_NO_SUITABLE_GROUPS', 'ERR_SSL_NO_SUITABLE_KEY_SHARE'];
const UNVERIFIED_CODES = [
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  // Keys and signatures below the context's security level (RSA-768, SHA-1): OpenSSL 3 reports
  // most of them as UNSPECIFIED, some by name.
  'UNSPECIFIED',
  'EE_KEY_TOO_SMALL',
  'CA_KEY_TOO_SMALL',
  'CA_MD_TOO_WEAK',
  'ERR_SSL_EE_KEY_TOO_SMALL',
  'ERR_SSL_CA_KEY_TOO_SMALL',
  'ERR_SSL_CA_MD_TOO_WEAK',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_CERT_ALTNAME_FORMAT',
];

const TABLE = new Map<string, FailureKind>([
  ...VERSION_CODES.map((c) => [c, 'legacy-server'] as const),
  ...DOWNGRADE_CODES.map((c) => [c, 'downgrade-attack'] as const),
  ...CIPHER_CODES.map((c) => [c, 'weak-cipher'] as const),
  ...GROUP_CODES.map((c) => [c, 'weak-cipher'] as const),
  ...UNVERIFIED_CODES.map((c) => [c, 'unverified-peer'] as const),
]);

/**
 * Reads a connection failure. Returns undefined for failures the policy has nothing to say
 * about (DNS, refused, reset, timeouts, a peer that is not TLS): those pass through unchanged.
 */
export function classifyTlsError(error: unknown, policyNarrowedCiphers: boolean): Classification | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const nodeCode = (error as { code?: unknown }).code;
  if (typeof nodeCode !== 'string') return undefined;
  const kind = TABLE.get(nodeCode);
  if (kind === undefined) return undefined;
  if (kind === 'weak-cipher' && !policyNarrowedCiphers && CIPHER_CODES.includes(nodeCode)) return undefined;
  return { kind, nodeCode, detail: DETAIL[kind] };
}
