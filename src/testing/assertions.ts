import { AssertionError } from 'node:assert';
import type * as tls from 'node:tls';
import { isTlsPolicyError, type TlsPolicyError } from '../policy/errors.js';
import type { TlsPolicyErrorCode } from '../policy/types.js';

/** The TlsPolicyError in an error, its `cause` chain, or a client's wrapper (`.body`, `.error`). */
export function findTlsPolicyError(error: unknown): TlsPolicyError | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const e = queue.shift();
    if (e === null || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    if (isTlsPolicyError(e)) return e;
    const o = e as { cause?: unknown; error?: unknown; errors?: unknown };
    queue.push(o.cause, o.error, ...(Array.isArray(o.errors) ? o.errors : []));
  }
  return undefined;
}

/**
 * Resolves when `promiseOrFn` fails because of the TLS policy (with `code`, when given), and
 * throws an AssertionError otherwise: when it succeeds, or fails for another reason. Works in
 * node:test, Jest, Vitest and Mocha alike (a plain thrown error, no runner API).
 */
export async function expectRefused(promiseOrFn: Promise<unknown> | (() => unknown), code?: TlsPolicyErrorCode): Promise<TlsPolicyError> {
  let outcome: unknown;
  try {
    outcome = await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (error) {
    const policyError = findTlsPolicyError(error);
    if (policyError === undefined) {
      throw new AssertionError({
        message: `expected a TLS policy refusal, but it failed otherwise: ${String((error as Error)?.message ?? error)}`,
        actual: error,
        expected: code ?? 'a TlsPolicyError',
        operator: 'expectRefused',
      });
    }
    if (code !== undefined && policyError.code !== code) {
      throw new AssertionError({
        message: `expected a TLS policy refusal with ${code}, got ${policyError.code}: ${policyError.message}`,
        actual: policyError.code,
        expected: code,
        operator: 'expectRefused',
      });
    }
    return policyError;
  }
  throw new AssertionError({
    message: 'expected a TLS policy refusal, but it succeeded',
    actual: outcome,
    expected: code ?? 'a TlsPolicyError',
    operator: 'expectRefused',
  });
}

/** Asserts the negotiated protocol of a TLS socket, or of the socket behind an http response. */
export function expectNegotiated(socketOrResponse: tls.TLSSocket | { socket?: unknown }, version: 'TLSv1.2' | 'TLSv1.3'): void {
  const candidate =
    typeof (socketOrResponse as tls.TLSSocket).getProtocol === 'function'
      ? socketOrResponse
      : (socketOrResponse as { socket?: unknown }).socket;
  const getProtocol = (candidate as tls.TLSSocket | undefined)?.getProtocol;
  if (typeof getProtocol !== 'function') {
    throw new AssertionError({
      message: 'expectNegotiated needs a TLS socket or a response with one (read it before the socket is released)',
      actual: socketOrResponse,
      expected: version,
      operator: 'expectNegotiated',
    });
  }
  const protocol = getProtocol.call(candidate);
  if (protocol !== version)
    throw new AssertionError({
      message: `expected ${version} to be negotiated, got ${String(protocol)}`,
      actual: protocol,
      expected: version,
      operator: 'expectNegotiated',
    });
}
