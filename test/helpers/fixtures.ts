// The test certificates are the testing kit's (src/testing/certificates.ts): a CA made at run
// time in each process, and two leaves signed by it. "m365" names every Microsoft 365 pattern and
// m365-alias.example.test; "other" names only example.test names, localhost and loopback IPs.
// Clients trust the CA explicitly: no test turns verification off.
import type { LookupFunction } from 'node:net';
import { MICROSOFT_365_LEAF, OTHER_LEAF, TESTING_CA } from '../../src/testing/index.js';

export const CA = TESTING_CA;
export const CERTS = { m365: MICROSOFT_365_LEAF, other: OTHER_LEAF } as const;

/** Resolves every name to 127.0.0.1, for `lookup` options (Node calls it with and without `all`). */
export const lookup: LookupFunction = ((_host: string, options: unknown, callback?: unknown) => {
  const cb = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void;
  const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all === true;
  if (all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(null, '127.0.0.1', 4);
}) as LookupFunction;
