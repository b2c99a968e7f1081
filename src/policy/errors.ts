import type { PolicyViolation, TlsPolicyErrorCode } from './types.js';

/**
 * Branded with a registry symbol (not a module-local one) so that `instanceof` and
 * `isTlsPolicyError` hold across the ESM and CommonJS copies of this package, or a bundled
 * copy next to an npm one: each copy has its own class object, but they share this symbol.
 * Listed with the other registry keys in engine/registry.ts.
 */
export const ERROR_BRAND = Symbol.for('m365-tls-policy.TlsPolicyError');

export interface TlsPolicyErrorInit {
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly violations?: readonly PolicyViolation[];
  readonly cause?: unknown;
}

/** The one error type this library throws or hands to callers; `code` is stable. */
export class TlsPolicyError extends Error {
  readonly code: TlsPolicyErrorCode;
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly violations: readonly PolicyViolation[];

  constructor(code: TlsPolicyErrorCode, message: string, init: TlsPolicyErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'TlsPolicyError';
    this.code = code;
    this.host = init.host;
    this.port = init.port;
    this.violations = Object.freeze([...(init.violations ?? [])]);
    Object.defineProperty(this, ERROR_BRAND, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return isTlsPolicyError(value);
  }
}

/** True for a {@link TlsPolicyError} from any copy of this package. */
export function isTlsPolicyError(value: unknown): value is TlsPolicyError {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.hasOwn(value, ERROR_BRAND) &&
    (value as Record<symbol, unknown>)[ERROR_BRAND] === true
  );
}

/** A bad policy option or argument: names the option and what is allowed. */
export function invalidOption(path: string, expected: string, got: unknown): TlsPolicyError {
  return new TlsPolicyError('ERR_TLS_POLICY_INVALID_OPTION', `${path} must be ${expected} (got ${describe(got)})`);
}

// `scheme://user:password@host` or `user:password@host`: what people paste into host settings.
const USERINFO = /^((?:[a-z][a-z0-9+.-]*:)?\/\/)?[^/?#@\s]*@/iu;

/** The value with any URL userinfo (credentials) replaced by `***`, for error messages. */
export function redactUserinfo(value: string): string {
  return value.replace(USERINFO, (_m, scheme: string | undefined) => `${scheme ?? ''}***@`);
}

/** A short, safe description of a bad value: its type, and the value itself only for short strings. */
export function describe(value: unknown): string {
  if (typeof value === 'string') {
    const shown = redactUserinfo(value);
    return shown.length <= 64 ? JSON.stringify(shown) : `a string of ${shown.length} characters`;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'undefined') return String(value);
  return `a value of type ${typeof value}`;
}
