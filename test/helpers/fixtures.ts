// Test certificates: a throw-away CA (its key is not kept) and two leaves valid for 100 years.
// "m365" names Microsoft 365 hosts (and lookalike.example.test); "other" names only
// api.example.test and localhost. Clients trust the CA explicitly: no test turns verification off.
import { readFileSync } from 'node:fs';
import type { LookupFunction } from 'node:net';

const dir = new URL('../../../test/fixtures/', import.meta.url);
const read = (name: string): Buffer => readFileSync(new URL(name, dir));

export const CA = read('ca.pem');
export const CERTS = {
  m365: { cert: read('m365.pem'), key: read('m365-key.pem') },
  other: { cert: read('other.pem'), key: read('other-key.pem') },
} as const;

/** Resolves every name to 127.0.0.1, for `lookup` options (Node calls it with and without `all`). */
export const lookup: LookupFunction = ((_host: string, options: unknown, callback?: unknown) => {
  const cb = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void;
  const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all === true;
  if (all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(null, '127.0.0.1', 4);
}) as LookupFunction;
