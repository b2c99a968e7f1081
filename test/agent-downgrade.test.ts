import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHttpsAgent, createTlsPolicy, isTlsPolicyError } from '../src/index.js';
import { request } from './helpers/client.js';
import { startDowngradeProxy } from '../src/testing/index.js';
import { recordEvents } from './helpers/events.js';
import { withServers } from './helpers/tls-server.js';

describe('active downgrade (a relay that strips TLS 1.3 from the ClientHello)', () => {
  it('is refused with ERR_TLS_POLICY_DOWNGRADE; the origin receives zero application bytes', async () => {
    await withServers([{ versions: ['TLSv1.2', 'TLSv1.3'] }], async ([server]) => {
      const relay = await startDowngradeProxy({ target: server!.port, attack: 'strip-tls13' });
      try {
        const policy = createTlsPolicy();
        const events = recordEvents(policy);
        const agent = createHttpsAgent({ policy });
        const outcome = await request(agent, 'graph.microsoft.com', relay.port, { headers: { authorization: 'Bearer x' } });
        assert.equal(relay.attacked, 1, 'the relay must really have rewritten the ClientHello');
        assert.ok(isTlsPolicyError(outcome.error));
        assert.equal(outcome.error.code, 'ERR_TLS_POLICY_DOWNGRADE');
        assert.equal((outcome.error.cause as { code?: string }).code, 'ERR_SSL_INAPPROPRIATE_FALLBACK');
        assert.equal(server!.bytesReceived, 0);
        assert.deepEqual(
          events.violations.map((v) => [v.kind, v.action, v.nodeCode]),
          [['downgrade-attack', 'blocked', 'ERR_SSL_INAPPROPRIATE_FALLBACK']],
        );
        agent.destroy();
      } finally {
        await relay.close();
      }
    });
  });

  it("is still caught when the caller asked for maxVersion 'TLSv1.2' (the policy restores TLS 1.3 as the maximum)", async () => {
    await withServers([{ versions: ['TLSv1.2', 'TLSv1.3'] }], async ([server]) => {
      const relay = await startDowngradeProxy({ target: server!.port, attack: 'strip-tls13' });
      try {
        const agent = createHttpsAgent();
        const outcome = await request(agent, 'graph.microsoft.com', relay.port, { maxVersion: 'TLSv1.2' });
        // The caller's maxVersion would have hidden the attack (next test); the policy offered
        // TLS 1.3 anyway, so the relay had something to strip and the sentinel gave it away.
        assert.equal(relay.attacked, 1);
        assert.ok(isTlsPolicyError(outcome.error));
        assert.equal(outcome.error.code, 'ERR_TLS_POLICY_DOWNGRADE');
        assert.equal(server!.bytesReceived, 0);
        agent.destroy();
      } finally {
        await relay.close();
      }
    });
  });

  it('goes unnoticed by a plain agent capped at TLS 1.2 (why the policy forces maxVersion)', async () => {
    await withServers([{ versions: ['TLSv1.2', 'TLSv1.3'] }], async ([server]) => {
      const relay = await startDowngradeProxy({ target: server!.port, attack: 'strip-tls13' });
      try {
        const { Agent } = await import('node:https');
        const agent = new Agent({ keepAlive: false });
        const outcome = await request(agent, 'graph.microsoft.com', relay.port, { maxVersion: 'TLSv1.2' });
        assert.equal(outcome.body, 'ok TLSv1.2');
        agent.destroy();
      } finally {
        await relay.close();
      }
    });
  });
});
