import assert from 'node:assert/strict';
import type * as tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { createTlsPolicy } from '../src/index.js';
import { expectRefused, startTlsServer, TESTING_CA, type TestTlsServer } from '../src/testing/index.js';
import { recordEvents } from './helpers/events.js';
import { lookup } from './helpers/fixtures.js';
import { rawRequest, statusLine } from './helpers/raw-request.js';

// Attack: policy.tlsConnect plans straight from the caller's options object (it does not take
// a snapshot first), and planConnection / weakeningOptions / hardenTlsOptions read
// `options.servername` a dozen times. An accessor that answers 'graph.microsoft.com' to every
// read but the one inside hardenTlsOptions' `{ ...options }` spread makes the identity-escape
// check (run before and after the spread) see an in-scope name, while the hardened options
// carry servername 'example.test'. Node then verifies the impostor's example.test certificate
// against example.test, the verdict trusts Node for hardened options (checkIdentity: false),
// emits 'secure' for graph.microsoft.com, and the token goes to example.test.
// (The https agent, the dispatcher and the install all work on a spread copy and hold.)
// Closed: planConnection reads the caller's options once (a snapshot), and the verdict checks the name itself for every connection.

const TOKEN = 'Bearer getter-token';

let impostor: TestTlsServer;
before(async () => {
  impostor = await startTlsServer({ hostnames: ['example.test'], certificate: 'other' });
});
after(() => impostor.close());

/** Options whose servername is 'example.test' on read number `k` only. */
function flipping(k: number): tls.ConnectionOptions {
  let reads = 0;
  const options = { host: 'graph.microsoft.com', port: impostor.port, ca: TESTING_CA, lookup };
  Object.defineProperty(options, 'servername', {
    enumerable: true,
    get() {
      reads += 1;
      return reads === k ? 'example.test' : 'graph.microsoft.com';
    },
  });
  return options;
}

describe('attack: policy.tlsConnect with an options object whose servername changes between reads', () => {
  // Read 9 is the spread in hardenTlsOptions with the current code; every read is tried, so the
  // test does not depend on that number.
  for (let k = 1; k <= 14; k++) {
    it(`servername is 'example.test' on read ${k} only`, async () => {
      const policy = createTlsPolicy();
      const events = recordEvents(policy);
      const bytes = impostor.bytesReceived;
      await expectRefused(rawRequest(TOKEN, (cb) => policy.tlsConnect(flipping(k), cb)).then(statusLine)).catch((failure: unknown) => {
        throw new assert.AssertionError({
          message:
            `${(failure as Error).message}; the example.test server received ${impostor.bytesReceived - bytes} application bytes; ` +
            `secure events: ${JSON.stringify(events.secure.map((e) => [e.host, e.servername]))}`,
        });
      });
      assert.equal(impostor.bytesReceived - bytes, 0);
    });
  }
});
