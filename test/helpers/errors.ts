import { isTlsPolicyError, type TlsPolicyError } from '../../src/index.js';

/** The TlsPolicyError in an error or its `cause` chain (clients wrap errors differently). */
export function findPolicyError(error: unknown): TlsPolicyError | undefined {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 6; depth++) {
    if (isTlsPolicyError(e)) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
