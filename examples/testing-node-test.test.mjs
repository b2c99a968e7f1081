// The testing kit under node:test, as docs/testing.md shows it.
// Run: npm run build && node --test examples/testing-node-test.test.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import axios from 'axios';
import { createFetchDispatcher, createHttpsAgent } from 'm365-tls-policy';
import { assertTlsPolicy, expectRefused, startDowngradeProxy, startTlsServer } from 'm365-tls-policy/testing';

// Stands in for the application's own factory.
const makeGraphClient = ({ baseURL, httpsAgent }) => axios.create({ baseURL, httpsAgent, proxy: false });

test('our Graph client refuses TLS 1.1', async (t) => {
  const server = await startTlsServer({ versions: ['TLSv1.1'] });
  t.after(() => server.close());
  const client = makeGraphClient({ baseURL: server.url('/v1.0'), httpsAgent: createHttpsAgent({ ca: server.ca, lookup: server.lookup }) });
  t.after(() => client.defaults.httpsAgent.destroy());
  assertTlsPolicy(client.defaults.httpsAgent);
  await expectRefused(client.get('/me'), 'ERR_TLS_POLICY_VERSION');
  assert.equal(server.bytesReceived, 0);
});

test('our fetch calls resist an active downgrade', async (t) => {
  const origin = await startTlsServer({ versions: ['TLSv1.2', 'TLSv1.3'] });
  const proxy = await startDowngradeProxy({ target: origin.port, attack: 'strip-tls13' });
  const dispatcher = createFetchDispatcher({ connect: { ca: origin.ca, lookup: origin.lookup } });
  t.after(async () => {
    await dispatcher.close();
    await proxy.close();
    await origin.close();
  });
  await expectRefused(fetch(`https://graph.microsoft.com:${proxy.port}/`, { dispatcher }), 'ERR_TLS_POLICY_DOWNGRADE');
  assert.equal(proxy.attacked, 1);
  assert.equal(origin.bytesReceived, 0);
});
