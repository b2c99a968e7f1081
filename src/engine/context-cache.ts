import tls from 'node:tls';
import type { TlsOptionsLike } from '../policy/tls-options.js';

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

const MAX_CONTEXTS = 64;
const objectIds = new WeakMap<object, number>();
let nextObjectId = 0;

/** Objects (Buffers, arrays) count by identity: the same agent option is the same object each time. */
function idOf(value: object): number {
  let id = objectIds.get(value);
  if (id === undefined) {
    id = ++nextObjectId;
    objectIds.set(value, id);
  }
  return id;
}

function keyOf(options: TlsOptionsLike): string {
  let key = '';
  for (const field of CONTEXT_FIELDS) {
    const value = options[field];
    if (value === undefined) continue;
    key += `|${field}=${typeof value === 'object' && value !== null ? `#${idOf(value)}` : `${typeof value}:${String(value)}`}`;
  }
  return key;
}

/**
 * One SecureContext per distinct set of context-shaping options, reused across connections.
 * A plain agent builds a fresh context (parsing every CA certificate again) for each new
 * connection; the policy's options are fixed per agent, so it can build each context once.
 * Bounded: past MAX_CONTEXTS distinct sets, the oldest is dropped.
 */
export class SecureContextCache {
  readonly #contexts = new Map<string, tls.SecureContext>();

  get(options: TlsOptionsLike): tls.SecureContext {
    const key = keyOf(options);
    let context = this.#contexts.get(key);
    if (context === undefined) {
      context = tls.createSecureContext(options);
      if (this.#contexts.size >= MAX_CONTEXTS) this.#contexts.delete(this.#contexts.keys().next().value as string);
      this.#contexts.set(key, context);
    }
    return context;
  }
}
