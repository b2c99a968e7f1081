import tls from 'node:tls';
import type { TlsOptionsLike } from '../policy/tls-options.js';
import { sharedState } from './registry.js';

// The options tls.createSecureContext reads. Everything else (servername, session,
// rejectUnauthorized, checkServerIdentity, ALPN, ...) is per connection and does not matter.
const CONTEXT_FIELDS = [
  'ca',
  'cert',
  'key',
  'pfx',
  'passphrase',
  'ciphers',
  'minVersion',
  'maxVersion',
  'secureOptions',
  'secureProtocol',
  'sigalgs',
  'ecdhCurve',
  'crl',
  'dhparam',
  'honorCipherOrder',
  'privateKeyIdentifier',
  'privateKeyEngine',
  'clientCertEngine',
  'sessionIdContext',
  'ticketKeys',
  'sessionTimeout',
  'allowPartialTrustChain',
] as const;

const MAX_CONTEXTS = 256;
const objectIds = new WeakMap<object, number>();
const stringIds = new Map<string, number>();
const MAX_STRING_IDS = 4096;
let nextId = 0;

/**
 * Buffers count by identity (the same agent option is the same object each time); strings by
 * value, through an interning map (V8 keeps a string's hash, so a known PEM costs one lookup).
 */
function idOf(value: object | string): string {
  if (typeof value === 'string') {
    let id = stringIds.get(value);
    if (id === undefined) {
      if (stringIds.size >= MAX_STRING_IDS) stringIds.clear(); // bounded; ids stay unique
      id = ++nextId;
      stringIds.set(value, id);
    }
    return `s${id}`;
  }
  let id = objectIds.get(value);
  if (id === undefined) {
    id = ++nextId;
    objectIds.set(value, id);
  }
  return `o${id}`;
}

/**
 * A key that changes whenever what a context would be built from changes. Arrays (a `ca`
 * list) are keyed by their elements, not their identity: a certificate removed in place from
 * an agent's `ca` array must not stay trusted through a context built before.
 */
function valueKey(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(valueKey).join(',')}]`;
  if (typeof value === 'string') return idOf(value);
  if (typeof value === 'object' && value !== null) return idOf(value);
  return `${typeof value}:${String(value)}`;
}

function keyOf(options: TlsOptionsLike): string {
  let key = '';
  for (const field of CONTEXT_FIELDS) {
    const value = options[field];
    if (value !== undefined) key += `|${field}=${valueKey(value)}`;
  }
  return key;
}

/**
 * One SecureContext per distinct set of context-shaping options, reused across connections.
 * A plain agent builds a fresh context (parsing every CA certificate again) for each new
 * connection; the policy's options are fixed per agent, so it can build each context once.
 * Bounded: past MAX_CONTEXTS distinct sets, the oldest is dropped.
 */
/** The process-wide cache, shared by every policy (and every copy of this package of the same protocol). */
export function processContexts(): SecureContextCache {
  const state = sharedState();
  state.contexts ??= new SecureContextCache();
  return state.contexts as SecureContextCache;
}

export class SecureContextCache {
  readonly #contexts = new Map<string, tls.SecureContext>();

  get(options: TlsOptionsLike): tls.SecureContext {
    const key = keyOf(options);
    let context = this.#contexts.get(key);
    if (context === undefined) {
      context = tls.createSecureContext(options);
      sharedState().policyContexts.add(context);
      if (this.#contexts.size >= MAX_CONTEXTS) this.#contexts.delete(this.#contexts.keys().next().value as string);
      this.#contexts.set(key, context);
    }
    return context;
  }
}
