import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { Agent as UndiciAgent } from 'undici';
import { createFetchDispatcher, createTlsPolicy } from '../src/index.js';
import { MICROSOFT_365_LEAF, TESTING_CA } from '../src/testing/index.js';
import { recordEvents } from './helpers/events.js';
import { lookup } from './helpers/fixtures.js';

// Class (smaller): the fetch dispatcher hands undici a connector function, and undici only
// adds the 'h2' ALPN offer when it builds the connector itself from `allowH2`. So
// createFetchDispatcher({ allowH2: true }) silently speaks HTTP/1.1 to a server that offers
// HTTP/2: not a downgrade of TLS, but a documented undici option lost under the policy.

/** An HTTP/2 server that also speaks HTTP/1.1, on 127.0.0.1, recording the HTTP version of each request. */
async function startH2Server(): Promise<{ port: number; versions: string[]; close(): Promise<void> }> {
  const versions: string[] = [];
  const server = http2.createSecureServer({ ...MICROSOFT_365_LEAF, allowHTTP1: true }, (req, res) => {
    versions.push(req.httpVersion);
    res.end(`ok HTTP/${req.httpVersion}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    versions,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function fetchVia(port: number, dispatcher: unknown): Promise<string> {
  const res = await fetch(`https://graph.microsoft.com:${port}/v1.0/me`, {
    dispatcher,
    headers: { authorization: 'Bearer h2-test-token' },
  } as RequestInit);
  return res.text();
}

describe('security: createFetchDispatcher({ allowH2: true })', () => {
  it('baseline: a plain undici Agent with allowH2 negotiates HTTP/2 with this server', async () => {
    const server = await startH2Server();
    const dispatcher = new UndiciAgent({ allowH2: true, connect: { lookup, ca: TESTING_CA } });
    try {
      assert.equal(await fetchVia(server.port, dispatcher), 'ok HTTP/2.0');
    } finally {
      await dispatcher.close();
      await server.close();
    }
  });

  it('negotiates HTTP/2 under the policy, and the connection is judged', async () => {
    const server = await startH2Server();
    const policy = createTlsPolicy();
    const events = recordEvents(policy);
    const dispatcher = createFetchDispatcher({ policy, allowH2: true, connect: { lookup, ca: TESTING_CA } });
    try {
      const body = await fetchVia(server.port, dispatcher);
      assert.deepEqual(server.versions, ['2.0'], `the server saw ${JSON.stringify(server.versions)} (${body})`);
      assert.equal(events.secure.length, 1, 'the HTTP/2 connection went through the policy');
      assert.deepEqual(events.violations, []);
    } finally {
      await dispatcher.close();
      await server.close();
    }
  });
});
