import assert from 'node:assert/strict';
import * as https from 'node:https';
import { describe, it } from 'node:test';
import { createHttpsAgent, createTlsPolicy } from '../src/index.js';
import { startTlsServer, TESTING_CA } from '../src/testing/index.js';
import { recordEvents } from './helpers/events.js';

function get(agent: https.Agent, url: string, lookup: https.RequestOptions['lookup']): Promise<{ body?: string; code?: string }> {
  return new Promise((resolve) => {
    https
      .get(url, { agent, lookup, headers: { authorization: 'Bearer context-cache-test' } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => resolve({ body }));
      })
      .on('error', (error: Error & { code?: string }) => resolve({ code: error.code ?? 'ERROR' }));
  });
}

describe('the hardened SecureContext cache', () => {
  it('is keyed by value: a CA removed in place from the agent ca array is no longer trusted (the test can fail)', async () => {
    const server = await startTlsServer({ versions: ['TLSv1.3'] });
    const ca = [TESTING_CA];
    const policy = createTlsPolicy();
    const events = recordEvents(policy);
    const agent = createHttpsAgent({ policy, keepAlive: false, ca });
    try {
      assert.equal((await get(agent, server.url('/'), server.lookup)).body, 'ok TLSv1.3', 'trusted while the CA is in the array');
      ca.splice(0, 1); // removed in place: the same array object, now empty
      const bytes = server.bytesReceived;
      const after = await get(agent, server.url('/'), server.lookup);
      assert.equal(after.code, 'ERR_TLS_POLICY_UNVERIFIED', JSON.stringify(after));
      assert.equal(server.bytesReceived, bytes, 'nothing reached the server once its CA was removed');
      assert.ok(events.violations.some((v) => v.kind === 'unverified-peer' && v.action === 'blocked'));
    } finally {
      agent.destroy();
      await server.close();
    }
  });
});
