/** The TLS versions a policy floor can name. Lower versions are never acceptable. */
export type TlsFloor = 'TLSv1.2' | 'TLSv1.3';

/** What a violation is about. */
export type ViolationKind =
  /** The peer only speaks a version below the floor. */
  | 'legacy-server'
  /** The handshake shows an on-path downgrade (TLS 1.3 sentinel, inappropriate fallback, tampering). */
  | 'downgrade-attack'
  /** A connection did negotiate a version below the floor. */
  | 'below-floor'
  /** The negotiated (or only possible) cipher suite is outside the policy. */
  | 'weak-cipher'
  /** The caller (or the process) asked for settings weaker than the policy. */
  | 'insecure-options'
  /** The peer certificate was not verified. */
  | 'unverified-peer'
  /** The process runs with TLS settings weaker than the policy (runtime audit). */
  | 'weak-runtime';

/** What the policy did about a violation. Absent in static reports (`check`). */
export type ViolationAction = 'blocked' | 'overridden' | 'reported';

/** Stable error codes of {@link TlsPolicyError}. */
export type TlsPolicyErrorCode =
  | 'ERR_TLS_POLICY_VERSION'
  | 'ERR_TLS_POLICY_DOWNGRADE'
  | 'ERR_TLS_POLICY_CIPHER'
  | 'ERR_TLS_POLICY_INSECURE_OPTIONS'
  | 'ERR_TLS_POLICY_UNVERIFIED'
  | 'ERR_TLS_POLICY_INVALID_OPTION'
  /** An optional peer dependency that a feature needs (undici) is not installed. */
  | 'ERR_TLS_POLICY_MISSING_DEPENDENCY'
  /** Two copies of this package that speak different registry protocols are loaded in one process. */
  | 'ERR_TLS_POLICY_INCOMPATIBLE_COPY'
  /** The runtime ignores the seam a feature needs (the fetch dispatcher on Bun, whose fetch takes no dispatcher). */
  | 'ERR_TLS_POLICY_UNSUPPORTED_RUNTIME';

/**
 * One thing that did not meet the policy. Holds no secrets by construction: host names,
 * ports, protocol and cipher names, option *names* (never values) and error codes only.
 */
export interface PolicyViolation {
  readonly kind: ViolationKind;
  readonly action?: ViolationAction;
  /** The policy error code this violation maps to. */
  readonly code: TlsPolicyErrorCode;
  /** The normalised host name (or `'(unknown)'` when it could not be determined). */
  readonly host: string;
  readonly port?: number;
  readonly servername?: string;
  /** The negotiated protocol, where a handshake got that far. */
  readonly protocol?: string;
  /** The negotiated cipher suite (OpenSSL name), where a handshake got that far. */
  readonly cipher?: string;
  /** Names of the weakening options, e.g. `['minVersion', 'secureProtocol']`. Never values. */
  readonly options?: readonly string[];
  /** The Node.js / OpenSSL error code behind the violation, e.g. `ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION`. */
  readonly nodeCode?: string;
  /** ISO 8601 time the violation was seen. */
  readonly time: string;
  readonly message: string;
}

/** The result of a static or post-handshake check. */
export interface PolicyReport {
  /** True when nothing violates the policy. */
  readonly ok: boolean;
  /** Whether the policy applies to the target. Out-of-scope targets are always `ok`. */
  readonly inScope: boolean;
  /** The normalised host the report is about, where one could be determined. */
  readonly host: string | undefined;
  readonly violations: readonly PolicyViolation[];
}

/** Emitted as `'secure'` for each in-scope connection that passed the policy. */
export interface SecureConnectionEvent {
  readonly host: string;
  readonly port?: number | undefined;
  readonly servername?: string | undefined;
  readonly protocol: string;
  readonly cipher: string;
  readonly sessionReused: boolean;
  /** The IANA name of the cipher suite (`TLS_AES_128_GCM_SHA256`), as OpenTelemetry wants it. */
  readonly cipherStandardName?: string | undefined;
  readonly time: string;
}

/** One thing about the running process that weakens TLS (or adds trust), with how to fix it. */
export interface RuntimeFinding {
  /** Stable identifier, e.g. `flag-tls-min`. */
  readonly id: string;
  readonly severity: 'high' | 'medium' | 'low' | 'info';
  readonly message: string;
  readonly fix: string;
}
