import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHttpsAgent, createTlsPolicy, isTlsPolicyError } from '../src/index.js';
import { request } from './helpers/client.js';
import { recordEvents } from './helpers/events.js';
import { withServers } from './helpers/tls-server.js';

const LEGACY_CLIENT = { minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' } as const;

describe('out-of-scope hosts are untouched', () => {
  it('a TLSv1 server that is not Microsoft 365 is reached with the caller options, with no events', async () => {
    await withServers([{ versions: ['TLSv1'], cert: 'other' }], async ([server]) => {
      const policy = createTlsPolicy();
      const events = recordEvents(policy);
      const agent = createHttpsAgent({ policy });
      const outcome = await request(agent, 'api.example.test', server!.port, LEGACY_CLIENT);
      assert.equal(outcome.body, 'ok TLSv1');
      assert.deepEqual(events, { violations: [], secure: [] });
      agent.destroy();
    });
  });

  it('the same server under a Microsoft 365 name (servername) is refused', async () => {
    await withServers([{ versions: ['TLSv1'] }], async ([server]) => {
      const agent = createHttpsAgent();
      const outcome = await request(agent, '127.0.0.1', server!.port, { ...LEGACY_CLIENT, servername: 'graph.microsoft.com' });
      assert.ok(isTlsPolicyError(outcome.error));
      assert.equal(outcome.error.code, 'ERR_TLS_POLICY_VERSION');
      agent.destroy();
    });
  });

  it('a Host header naming Microsoft 365 brings an IP-addressed request in scope (https derives SNI from it)', async () => {
    await withServers([{ versions: ['TLSv1'] }], async ([server]) => {
      const agent = createHttpsAgent();
      const outcome = await request(agent, '127.0.0.1', server!.port, { ...LEGACY_CLIENT, headers: { host: 'graph.microsoft.com' } });
      assert.ok(isTlsPolicyError(outcome.error));
      agent.destroy();
    });
  });

  it('a certificate naming Microsoft 365 brings an out-of-scope name in scope after the handshake', async () => {
    // m365-alias.example.test is not in scope, but the server's certificate also names
    // graph.microsoft.com. The caller's legacy options are not hardened (the name is out of
    // scope), so TLS 1.0 is negotiated, then caught before any byte is written.
    await withServers([{ versions: ['TLSv1'] }], async ([server]) => {
      const policy = createTlsPolicy();
      const events = recordEvents(policy);
      const agent = createHttpsAgent({ policy });
      const outcome = await request(agent, 'm365-alias.example.test', server!.port, {
        ...LEGACY_CLIENT,
        headers: { authorization: 'Bearer t' },
      });
      assert.ok(isTlsPolicyError(outcome.error));
      assert.equal(outcome.error.code, 'ERR_TLS_POLICY_VERSION');
      assert.equal(server!.connections, 1, 'the handshake did complete');
      assert.equal(server!.bytesReceived, 0, 'but no application byte was sent');
      assert.deepEqual(
        events.violations.map((v) => [v.kind, v.action, v.protocol]),
        [
          ['below-floor', 'blocked', 'TLSv1'],
          ['weak-cipher', 'blocked', 'TLSv1'],
        ],
      );
      agent.destroy();
    });
  });
});

describe('report mode', () => {
  it('blocks nothing: a weakened connection to a TLS 1.1 host goes through and every violation is reported', async () => {
    await withServers([{ versions: ['TLSv1.1'] }], async ([server]) => {
      const policy = createTlsPolicy({ mode: 'report' });
      const events = recordEvents(policy);
      const agent = createHttpsAgent({ policy });
      const outcome = await request(agent, 'graph.microsoft.com', server!.port, LEGACY_CLIENT);
      assert.equal(outcome.body, 'ok TLSv1.1');
      const kinds = events.violations.map((v) => v.kind).sort();
      assert.deepEqual(kinds, ['below-floor', 'insecure-options', 'weak-cipher']);
      assert.ok(events.violations.every((v) => v.action === 'reported'));
      assert.deepEqual(events.violations.find((v) => v.kind === 'insecure-options')?.options, ['minVersion', 'ciphers']);
      agent.destroy();
    });
  });

  it("reports a legacy server but leaves Node's own error untouched", async () => {
    await withServers([{ versions: ['TLSv1'] }], async ([server]) => {
      const policy = createTlsPolicy({ mode: 'report' });
      const events = recordEvents(policy);
      const agent = createHttpsAgent({ policy });
      const outcome = await request(agent, 'graph.microsoft.com', server!.port);
      assert.equal(isTlsPolicyError(outcome.error), false);
      assert.equal(outcome.error?.code, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
      assert.deepEqual(
        events.violations.map((v) => [v.kind, v.action]),
        [['legacy-server', 'reported']],
      );
      agent.destroy();
    });
  });

  it('reports an unverified peer that the caller chose not to verify, and lets it through', async () => {
    await withServers([{ versions: ['TLSv1.3'] }], async ([server]) => {
      const policy = createTlsPolicy({ mode: 'report' });
      const events = recordEvents(policy);
      const agent = createHttpsAgent({ policy });
      const outcome = await request(agent, 'graph.microsoft.com', server!.port, { ca: undefined, rejectUnauthorized: false });
      assert.equal(outcome.body, 'ok TLSv1.3');
      assert.deepEqual(events.violations.map((v) => [v.kind, v.action]).sort(), [
        ['insecure-options', 'reported'],
        ['unverified-peer', 'reported'],
      ]);
      agent.destroy();
    });
  });
});

describe('fail closed', () => {
  it('a check that throws refuses the in-scope connection with a TlsPolicyError, zero bytes sent', async (t) => {
    const { TLSSocket } = await import('node:tls');
    const original = TLSSocket.prototype.getProtocol;
    t.after(() => {
      TLSSocket.prototype.getProtocol = original;
    });
    await withServers([{ versions: ['TLSv1.3'] }], async ([server]) => {
      const policy = createTlsPolicy();
      const events = recordEvents(policy);
      const agent = createHttpsAgent({ policy });
      TLSSocket.prototype.getProtocol = () => {
        throw new Error('simulated failure inside the check');
      };
      const outcome = await request(agent, 'graph.microsoft.com', server!.port);
      TLSSocket.prototype.getProtocol = original;
      assert.ok(isTlsPolicyError(outcome.error));
      assert.equal(outcome.error.code, 'ERR_TLS_POLICY_UNVERIFIED');
      assert.equal((outcome.error.cause as Error).message, 'simulated failure inside the check');
      assert.equal(server!.bytesReceived, 0);
      assert.deepEqual(
        events.violations.map((v) => [v.kind, v.action]),
        [['unverified-peer', 'blocked']],
      );
      agent.destroy();
    });
  });
});
