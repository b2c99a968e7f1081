import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHttpsAgent, createTlsPolicy, isTlsPolicyError, TlsPolicyError } from '../src/index.js';
import { request } from './helpers/client.js';
import { recordEvents } from './helpers/events.js';
import { withServers, type Version } from './helpers/tls-server.js';

const SECRET_BODY = 'client_secret=do-not-send-me';

describe('https agent against servers of each TLS version', () => {
  for (const version of ['TLSv1', 'TLSv1.1'] as Version[]) {
    it(`refuses a ${version}-only Microsoft 365 host with ERR_TLS_POLICY_VERSION, sending zero application bytes`, async () => {
      await withServers([{ versions: [version] }], async ([server]) => {
        const policy = createTlsPolicy();
        const events = recordEvents(policy);
        const agent = createHttpsAgent({ policy });
        const outcome = await request(
          agent,
          'graph.microsoft.com',
          server!.port,
          { headers: { authorization: 'Bearer secret-token' } },
          SECRET_BODY,
        );
        assert.equal(outcome.ok, false);
        assert.ok(outcome.error instanceof TlsPolicyError);
        assert.equal(outcome.error.code, 'ERR_TLS_POLICY_VERSION');
        assert.equal((outcome.error.cause as { code?: string }).code, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
        assert.equal(server!.bytesReceived, 0);
        assert.equal(events.violations.length, 1);
        assert.deepEqual(
          {
            kind: events.violations[0]!.kind,
            action: events.violations[0]!.action,
            host: events.violations[0]!.host,
            port: events.violations[0]!.port,
          },
          { kind: 'legacy-server', action: 'blocked', host: 'graph.microsoft.com', port: server!.port },
        );
        assert.equal(events.secure.length, 0);
        agent.destroy();
      });
    });
  }

  for (const versions of [['TLSv1.2'], ['TLSv1.3'], ['TLSv1.2', 'TLSv1.3']] as Version[][]) {
    const expected = versions[versions.length - 1];
    it(`serves a ${versions.join('+')} host at ${expected} and emits one 'secure' event`, async () => {
      await withServers([{ versions }], async ([server]) => {
        const policy = createTlsPolicy();
        const events = recordEvents(policy);
        const agent = createHttpsAgent({ policy });
        const outcome = await request(agent, 'graph.microsoft.com', server!.port);
        assert.equal(outcome.error, undefined);
        assert.equal(outcome.body, `ok ${expected}`);
        assert.equal(outcome.protocol, expected);
        assert.equal(events.violations.length, 0);
        assert.equal(events.secure.length, 1);
        assert.equal(events.secure[0]!.protocol, expected);
        assert.equal(events.secure[0]!.host, 'graph.microsoft.com');
        agent.destroy();
      });
    });
  }

  it('refuses TLS 1.2 when the policy floor is TLSv1.3', async () => {
    await withServers([{ versions: ['TLSv1.2'] }], async ([server]) => {
      const agent = createHttpsAgent({ policy: { minVersion: 'TLSv1.3' } });
      const outcome = await request(agent, 'graph.microsoft.com', server!.port);
      assert.ok(isTlsPolicyError(outcome.error));
      assert.equal(outcome.error.code, 'ERR_TLS_POLICY_VERSION');
      assert.equal(server!.bytesReceived, 0);
      agent.destroy();
    });
  });

  it('refuses a TLS 1.2 server that offers only suites outside the strong policy (ERR_TLS_POLICY_CIPHER)', async () => {
    await withServers([{ versions: ['TLSv1.2'], ciphers: 'AES128-SHA:AES256-GCM-SHA384' }], async ([server]) => {
      const policy = createTlsPolicy();
      const events = recordEvents(policy);
      const agent = createHttpsAgent({ policy });
      const outcome = await request(agent, 'graph.microsoft.com', server!.port);
      assert.ok(isTlsPolicyError(outcome.error));
      assert.equal(outcome.error.code, 'ERR_TLS_POLICY_CIPHER');
      assert.equal(events.violations[0]?.kind, 'weak-cipher');
      assert.equal(server!.bytesReceived, 0);
      agent.destroy();
    });
  });

  it("accepts that server's non-forward-secret suite under ciphers: 'node-default'", async () => {
    await withServers([{ versions: ['TLSv1.2'], ciphers: 'AES256-GCM-SHA384' }], async ([server]) => {
      const agent = createHttpsAgent({ policy: { ciphers: 'node-default' } });
      const outcome = await request(agent, 'graph.microsoft.com', server!.port);
      assert.equal(outcome.body, 'ok TLSv1.2');
      agent.destroy();
    });
  });

  it('keeps keep-alive: two requests share one socket and one handshake', async () => {
    await withServers([{ versions: ['TLSv1.3'] }], async ([server]) => {
      const policy = createTlsPolicy();
      const events = recordEvents(policy);
      const agent = createHttpsAgent({ policy });
      const first = await request(agent, 'graph.microsoft.com', server!.port);
      const second = await request(agent, 'graph.microsoft.com', server!.port);
      assert.equal(first.body, 'ok TLSv1.3');
      assert.equal(second.body, 'ok TLSv1.3');
      assert.equal(second.reusedSocket, true);
      assert.equal(server!.connections, 1);
      assert.equal(events.secure.length, 1);
      agent.destroy();
    });
  });

  for (const version of ['TLSv1.2', 'TLSv1.3'] as Version[]) {
    it(`keeps TLS session resumption working on new connections (${version})`, async () => {
      await withServers([{ versions: [version] }], async ([server]) => {
        const policy = createTlsPolicy();
        const events = recordEvents(policy);
        const agent = createHttpsAgent({ policy, keepAlive: false });
        const first = await request(agent, 'graph.microsoft.com', server!.port);
        // TLS 1.3 tickets arrive after the handshake: wait until the agent has cached one (Node's
        // https.Agent keeps them in _sessionCache), not for a fixed time.
        const cache = (agent as unknown as { _sessionCache?: { list?: unknown[] } })._sessionCache;
        for (let waited = 0; (cache?.list?.length ?? 1) === 0 && waited < 2000; waited += 5) await new Promise((r) => setTimeout(r, 5));
        const second = await request(agent, 'graph.microsoft.com', server!.port);
        assert.equal(first.sessionReused, false);
        assert.equal(second.sessionReused, true);
        assert.equal(server!.connections, 2);
        assert.deepEqual(
          events.secure.map((e) => e.sessionReused),
          [false, true],
        );
        agent.destroy();
      });
    });
  }
});
