import type { TlsFloor } from '../../policy/types.js';

// The probe's result, as `probe --json` prints it. The JSON document is versioned by
// PROBE_SCHEMA (docs/cli.md "JSON schema"): fields are only ever added within a version.

/** The `schema` field of `probe --json`. */
export const PROBE_SCHEMA = 'm365-tls-policy/probe/2';

export const PROBE_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type ProbeVersion = (typeof PROBE_VERSIONS)[number];

export const STARTTLS_PROTOCOLS = ['smtp', 'imap', 'pop3'] as const;
export type StartTlsProtocol = (typeof STARTTLS_PROTOCOLS)[number];

export interface ProbeTarget {
  /** As given, e.g. `graph.microsoft.com:443`. */
  readonly target: string;
  readonly host: string;
  readonly port: number;
  /** Where to connect instead of resolving `host` (`--resolve`). */
  readonly address?: string | undefined;
  /** SNI and the name the certificate must match. Default: the host (none for an IP). */
  readonly servername?: string | undefined;
  /** The clear-text dialogue before the handshake (`--starttls`, or chosen by the port). */
  readonly starttls?: StartTlsProtocol | undefined;
}

/** One cipher suite the server accepted at one version. */
export interface SuiteResult {
  /** OpenSSL's name, as Node reports it (`ECDHE-RSA-AES128-GCM-SHA256`). */
  readonly name: string;
  /** The IANA name, as Microsoft's documentation lists them (`TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`). */
  readonly standardName?: string;
  /** Would a client under the probe's policy accept it (version at the floor or above, suite in the policy)? */
  readonly policy: boolean;
  readonly weak: boolean;
  /** Why it is weak: `no forward secrecy`, `CBC`, `RC4`, `3DES`, `NULL`, `export grade`, ... Empty when not. */
  readonly weaknesses: readonly string[];
}

export interface VersionResult {
  readonly accepted: boolean;
  /** The suite the server chose from everything offered, when accepted. */
  readonly cipher?: string;
  /** Why not, as Node reports it (`ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION`, `ETIMEDOUT`, ...). */
  readonly code?: string;
  /** Every suite accepted at this version, in the order the server chose them. Empty when refused. */
  readonly ciphers: readonly SuiteResult[];
}

/** One certificate of the chain the server presented, leaf first. */
export interface ChainCertificate {
  readonly subject: string;
  readonly issuer: string;
  /** `rsa`, `ec`, `ed25519`, ... */
  readonly keyType: string;
  /** RSA modulus bits, or the EC curve's size. */
  readonly keyBits?: number;
  /** `sha256WithRSAEncryption`, `ecdsa-with-SHA256`, ... (or the OID when unknown). */
  readonly signatureAlgorithm: string;
  /** ISO 8601, or `'invalid'` when the certificate's date cannot be read. */
  readonly validFrom: string;
  readonly validTo: string;
  /** Whole days until `validTo` (negative once expired; null when the date cannot be read). */
  readonly daysLeft: number | null;
  readonly selfSigned: boolean;
}

/** The key exchange of the best handshake, as `tlsSocket.getEphemeralKeyInfo()` reports it. */
export interface KeyExchange {
  readonly type: string;
  readonly name?: string;
  readonly bits?: number;
}

export type ProbeWarningCode =
  | 'legacy-version'
  | 'weak-suite'
  | 'no-fallback-scsv'
  | 'cert-expired'
  | 'cert-invalid-date'
  | 'cert-expiring'
  | 'weak-key'
  | 'weak-signature'
  | 'incomplete';

export interface ProbeWarning {
  readonly code: ProbeWarningCode;
  readonly message: string;
}

export interface CertificateResult {
  readonly subject: string;
  readonly issuer: string;
  readonly validTo: string;
  readonly dnsNames: readonly string[];
  readonly verified: boolean;
  readonly verifyError?: string;
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

export interface ProbeResult {
  readonly target: string;
  readonly host: string;
  readonly port: number;
  readonly address?: string;
  readonly servername?: string;
  readonly starttls?: StartTlsProtocol;
  /** False when the target could not be reached at all (then `error` says why). */
  readonly reachable: boolean;
  readonly error?: { readonly code: string; readonly message: string };
  readonly versions: Readonly<Record<ProbeVersion, VersionResult>>;
  /** Does the server refuse a TLS_FALLBACK_SCSV retry below its best version? Null: not applicable (one version) or no clear answer. */
  readonly fallbackScsv: boolean | null;
  /** The leaf certificate, verified against Node's store (plus `--ca`). */
  readonly certificate?: CertificateResult;
  /** Every certificate the server presented, leaf first. */
  readonly chain: readonly ChainCertificate[];
  readonly keyExchange?: KeyExchange;
  readonly warnings: readonly ProbeWarning[];
  readonly policy: PolicyVerdict;
  /** Wall time of this target's probe. */
  readonly durationMs: number;
}

export interface ProbeOptions {
  readonly timeoutMs: number;
  readonly ca?: string | Buffer | undefined;
  readonly minVersion: TlsFloor;
}
