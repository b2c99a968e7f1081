import assert from 'node:assert/strict';
import { constants } from 'node:crypto';
import * as https from 'node:https';
import tls from 'node:tls';
import { describe, it } from 'node:test';
import { createHttpsAgent, createTlsPolicy, isTlsPolicyError } from '../src/index.js';
import { request } from './helpers/client.js';
import { CA } from './helpers/fixtures.js';
import { recordEvents } from './helpers/events.js';
import { withServers } from './helpers/tls-server.js';

// Each input alone would let a plain client reach a TLS 1.0 server (or skip a check).
const WEAKENING: Array<[string, https.RequestOptions]> = [
  ['minVersion', { minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' }],
  ['secureProtocol', { secureProtocol: 'TLSv1_method', ciphers: 'DEFAULT:@SECLEVEL=0' }],
  ['maxVersion', { maxVersion: 'TLSv1', minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' }],
  [
    'secureContext',
    { secureContext: tls.createSecureContext({ minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0', ca: CA }) } as https.RequestOptions,
  ],
];

describe('weakening inputs against a TLSv1-only Microsoft 365 host', () => {
  for (const [name, options] of WEAKENING) {
    it(`per-request ${name} is overridden, logged with the option name, and the connection refused`, async () => {
      await withServers([{ versions: ['TLSv1'] }], async ([server]) => {
        const policy = createTlsPolicy();
        const events = recordEvents(policy);
        const agent = createHttpsAgent({ policy });
        const outcome = await request(agent, 'graph.microsoft.com', server!.port, options);
        assert.ok(isTlsPolicyError(outcome.error), `expected a policy error, got ${String(outcome.error ?? outcome.body)}`);
        assert.equal(outcome.error.code, 'ERR_TLS_POLICY_VERSION');
        assert.equal(server!.bytesReceived, 0);
        const override = events.violations.find((v) => v.kind === 'insecure-options');
        assert.equal(override?.action, 'overridden');
        assert.ok(override?.options?.includes(name), `options named: ${override?.options?.join(',')}`);
        agent.destroy();
      });
    });
  }

  it('the same per-request options do reach TLSv1 through a plain agent (the inputs really weaken)', async () => {
    await withServers([{ versions: ['TLSv1'] }], async ([server]) => {
      for (const [, options] of WEAKENING) {
        const agent = new https.Agent();
        const outcome = await request(agent, 'graph.microsoft.com', server!.port, options);
        assert.equal(outcome.body, 'ok TLSv1');
        agent.destroy();
      }
    });
  });

  it('weakening agent options given at creation are overridden too', async () => {
    await withServers([{ versions: ['TLSv1'] }], async ([server]) => {
      const agent = createHttpsAgent({ minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
      const outcome = await request(agent, 'graph.microsoft.com', server!.port);
      assert.ok(isTlsPolicyError(outcome.error));
      assert.equal(server!.bytesReceived, 0);
      agent.destroy();
    });
  });

  it('options written into agent.options after creation (as needle does) cannot weaken it', async () => {
    await withServers([{ versions: ['TLSv1'] }], async ([server]) => {
      const agent = createHttpsAgent();
      Object.assign(agent.options, { minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0', rejectUnauthorized: false });
      const outcome = await request(agent, 'graph.microsoft.com', server!.port);
      assert.ok(isTlsPolicyError(outcome.error));
      assert.equal(outcome.error.code, 'ERR_TLS_POLICY_VERSION');
      agent.destroy();
    });
  });

  it('process defaults lowered at run time (tls.DEFAULT_MIN_VERSION, DEFAULT_CIPHERS) do not lower the floor', async (t) => {
    // What a dependency can do at run time: node:tls's defaults are plain writable properties.
    const defaults = tls as unknown as { DEFAULT_MIN_VERSION: string; DEFAULT_CIPHERS: string };
    const saved = { min: defaults.DEFAULT_MIN_VERSION, ciphers: defaults.DEFAULT_CIPHERS };
    t.after(() => {
      defaults.DEFAULT_MIN_VERSION = saved.min;
      defaults.DEFAULT_CIPHERS = saved.ciphers;
    });
    defaults.DEFAULT_MIN_VERSION = 'TLSv1';
    defaults.DEFAULT_CIPHERS = 'DEFAULT:@SECLEVEL=0';
    await withServers([{ versions: ['TLSv1'] }], async ([server]) => {
      const plain = new https.Agent();
      assert.equal((await request(plain, 'graph.microsoft.com', server!.port)).body, 'ok TLSv1', 'the lowered defaults are in effect');
      plain.destroy();
      const before = server!.bytesReceived;
      const agent = createHttpsAgent();
      const outcome = await request(agent, 'graph.microsoft.com', server!.port);
      assert.ok(isTlsPolicyError(outcome.error));
      assert.equal(outcome.error.code, 'ERR_TLS_POLICY_VERSION');
      assert.equal(server!.bytesReceived, before);
      agent.destroy();
    });
  });

  it("insecureOptions: 'refuse' refuses before connecting (ERR_TLS_POLICY_INSECURE_OPTIONS)", async () => {
    await withServers([{ versions: ['TLSv1.3'] }], async ([server]) => {
      const policy = createTlsPolicy({ insecureOptions: 'refuse' });
      const events = recordEvents(policy);
      const agent = createHttpsAgent({ policy });
      const outcome = await request(agent, 'graph.microsoft.com', server!.port, { rejectUnauthorized: false });
      assert.ok(isTlsPolicyError(outcome.error));
      assert.equal(outcome.error.code, 'ERR_TLS_POLICY_INSECURE_OPTIONS');
      assert.deepEqual(outcome.error.violations[0]?.options, ['rejectUnauthorized']);
      assert.equal(server!.connections, 0);
      assert.deepEqual(
        events.violations.map((v) => [v.kind, v.action]),
        [['insecure-options', 'blocked']],
      );
      agent.destroy();
    });
  });
});

describe('weakening inputs that a modern server would let through', () => {
  it('rejectUnauthorized: false is overridden: an untrusted certificate is refused (ERR_TLS_POLICY_UNVERIFIED)', async () => {
    await withServers([{ versions: ['TLSv1.3'] }], async ([server]) => {
      const agent = createHttpsAgent();
      // No test CA: the certificate cannot verify. The caller tries to switch verification off.
      const outcome = await request(agent, 'graph.microsoft.com', server!.port, { ca: undefined, rejectUnauthorized: false });
      assert.ok(isTlsPolicyError(outcome.error));
      assert.equal(outcome.error.code, 'ERR_TLS_POLICY_UNVERIFIED');
      assert.equal((outcome.error.cause as { code?: string }).code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      assert.equal(server!.bytesReceived, 0);
      agent.destroy();
    });
  });

  it("a checkServerIdentity that skips Node's check cannot accept a certificate for another name", async () => {
    await withServers([{ versions: ['TLSv1.3'], cert: 'other' }], async ([server]) => {
      const agent = createHttpsAgent();
      const outcome = await request(agent, 'graph.microsoft.com', server!.port, { checkServerIdentity: () => undefined });
      assert.ok(isTlsPolicyError(outcome.error));
      assert.equal(outcome.error.code, 'ERR_TLS_POLICY_UNVERIFIED');
      assert.equal((outcome.error.cause as { code?: string }).code, 'ERR_TLS_CERT_ALTNAME_INVALID');
      assert.equal(server!.bytesReceived, 0);
      agent.destroy();
    });
  });

  it("a caller's checkServerIdentity still runs after Node's, and can refuse", async () => {
    await withServers([{ versions: ['TLSv1.3'] }], async ([server]) => {
      const agent = createHttpsAgent();
      let called = 0;
      const outcome = await request(agent, 'graph.microsoft.com', server!.port, {
        checkServerIdentity: () => {
          called += 1;
          return Object.assign(new Error('pin mismatch'), { code: 'ERR_MY_PIN' });
        },
      });
      assert.equal(called, 1);
      assert.equal((outcome.error as { code?: string }).code, 'ERR_MY_PIN');
      agent.destroy();
    });
  });

  it('weak ciphers are replaced by the strong set: a non-forward-secret suite is never offered', async () => {
    // An RSA certificate, so that the server could have agreed to the RSA key-exchange suite asked for.
    await withServers([{ versions: ['TLSv1.2'], key: 'rsa' }], async ([server]) => {
      const policy = createTlsPolicy();
      const events = recordEvents(policy);
      const agent = createHttpsAgent({ policy });
      const outcome = await request(agent, 'graph.microsoft.com', server!.port, { ciphers: 'AES128-SHA' });
      assert.equal(outcome.body, 'ok TLSv1.2');
      assert.match(events.secure[0]!.cipher, /^ECDHE-RSA-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/u);
      assert.deepEqual(
        events.violations.map((v) => [v.kind, v.action, v.options]),
        [['insecure-options', 'overridden', ['ciphers']]],
      );
      agent.destroy();
    });
  });

  it('secureOptions that disable TLS 1.3 are stripped (the connection negotiates TLS 1.3)', async () => {
    await withServers([{ versions: ['TLSv1.2', 'TLSv1.3'] }], async ([server]) => {
      const agent = createHttpsAgent();
      const outcome = await request(agent, 'graph.microsoft.com', server!.port, { secureOptions: constants.SSL_OP_NO_TLSv1_3 });
      assert.equal(outcome.body, 'ok TLSv1.3');
      agent.destroy();
    });
  });

  it('narrowing options are kept: minVersion TLSv1.3 from the caller still applies', async () => {
    await withServers([{ versions: ['TLSv1.2'] }], async ([server]) => {
      const policy = createTlsPolicy();
      const events = recordEvents(policy);
      const agent = createHttpsAgent({ policy });
      const outcome = await request(agent, 'graph.microsoft.com', server!.port, { minVersion: 'TLSv1.3' });
      assert.ok(isTlsPolicyError(outcome.error));
      assert.equal(outcome.error.code, 'ERR_TLS_POLICY_VERSION');
      assert.equal(events.violations.filter((v) => v.kind === 'insecure-options').length, 0);
      agent.destroy();
    });
  });
});
