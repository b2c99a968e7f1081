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

/**
 * What `expectNegotiated` reads the protocol from: a TLS socket; a response or request that
 * holds one (node:https `res`/`req`, got's response: `.socket`; axios' response:
 * `.request.socket`); or the policy's `'secure'` event, for clients that keep their socket
 * private (`fetch`, undici's `request`, node-fetch).
 */
export type NegotiatedSource =
  | tls.TLSSocket
  | { socket?: unknown }
  | { request?: { socket?: unknown } }
  | { protocol: string; sessionReused: boolean };

/** Asserts the negotiated protocol of a TLS socket, a client's response, or a policy `'secure'` event. */
export function expectNegotiated(source: NegotiatedSource, version: 'TLSv1.2' | 'TLSv1.3'): void {
  const protocol = negotiated(source);
  if (protocol === undefined) {
    throw new AssertionError({
      message:
        "expectNegotiated needs a TLS socket, a response that holds one (https, got: res.socket; axios: res.request.socket; read it before the socket is released), or the policy's 'secure' event (fetch, undici request, node-fetch keep their socket private)",
      actual: source,
      expected: version,
      operator: 'expectNegotiated',
    });
  }
  if (protocol !== version)
    throw new AssertionError({
      message: `expected ${version} to be negotiated, got ${String(protocol)}`,
      actual: protocol,
      expected: version,
      operator: 'expectNegotiated',
    });
}

function negotiated(source: unknown): string | null | undefined {
  if (typeof source !== 'object' || source === null) return undefined;
  const candidates = [source, (source as { socket?: unknown }).socket, (source as { request?: { socket?: unknown } }).request?.socket];
  for (const candidate of candidates) {
    const getProtocol = (candidate as tls.TLSSocket | undefined)?.getProtocol;
    if (typeof getProtocol === 'function') return getProtocol.call(candidate);
  }
  // A SecureConnectionEvent: what the policy saw negotiated.
  const event = source as { protocol?: unknown; sessionReused?: unknown };
  return typeof event.protocol === 'string' && typeof event.sessionReused === 'boolean' ? event.protocol : undefined;
}
