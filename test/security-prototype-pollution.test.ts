import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHttpsAgent, createTlsPolicy, installTlsPolicy, installedTlsPolicy } from '../src/index.js';
import { findTlsPolicyError, startTlsServer } from '../src/testing/index.js';
import { request } from './helpers/client.js';

// Class: prototype pollution. The options resolver rejects unknown *own* keys, but reads
// each option with a plain property access, so a value inherited from Object.prototype (put
// there by any polluted dependency: a deep merge of JSON input, say) becomes the policy's
// setting. `mode: 'report'` switches enforcement off and `hosts: []` empties the scope, for
// every policy created with defaults, the process-wide one included.

const POLLUTION = { mode: 'report', hosts: [] as string[] } as const;

/** Runs `fn` with Object.prototype polluted, and always cleans it up. */
async function polluted<T>(fn: () => T | Promise<T>): Promise<T> {
  const proto = Object.prototype as Record<string, unknown>;
  for (const [key, value] of Object.entries(POLLUTION)) proto[key] = value;
  try {
    return await fn();
  } finally {
    for (const key of Object.keys(POLLUTION)) delete proto[key];
  }
}

describe('security: Object.prototype pollution does not configure the policy', () => {
  it('createTlsPolicy() still enforces and still covers Microsoft 365', async () => {
    const policy = await polluted(() => createTlsPolicy());
    assert.equal(policy.mode, 'enforce');
    assert.equal(policy.appliesTo('graph.microsoft.com'), true);
    assert.notDeepEqual(policy.hosts, []);
  });

  it('createTlsPolicy({}) and createTlsPolicy({ minVersion }) too', async () => {
    const policies = await polluted(() => [createTlsPolicy({}), createTlsPolicy({ minVersion: 'TLSv1.3' })]);
    for (const policy of policies) {
      assert.equal(policy.mode, 'enforce');
      assert.equal(policy.appliesTo('graph.microsoft.com'), true);
    }
  });

  it('installTlsPolicy() installs an enforcing policy covering Microsoft 365', async () => {
    const uninstall = await polluted(() => installTlsPolicy());
    try {
      assert.equal(installedTlsPolicy()?.mode, 'enforce');
      assert.equal(installedTlsPolicy()?.appliesTo('graph.microsoft.com'), true);
    } finally {
      uninstall();
    }
  });

  it('createHttpsAgent() made under pollution refuses a TLS 1.0 graph.microsoft.com, zero bytes', async () => {
    // The server first: the kit itself creates a policy to pick its certificate.
    const server = await startTlsServer({ versions: ['TLSv1'] });
    const agent = await polluted(() => createHttpsAgent({ keepAlive: false }));
    const violations: string[][] = [];
    agent.policy.on('violation', (v) => violations.push([v.kind, v.action ?? '']));
    try {
      const outcome = await request(agent, 'graph.microsoft.com', server.port, {
        path: '/v1.0/me',
        minVersion: 'TLSv1',
        ciphers: 'DEFAULT:@SECLEVEL=0',
        headers: { authorization: 'Bearer pollution-test-token' },
      });
      assert.equal(
        outcome.body,
        undefined,
        `served over TLS 1.0 (${server.bytesReceived} bytes): the agent's policy is ${agent.policy.mode} with hosts ${JSON.stringify(agent.policy.hosts)}`,
      );
      assert.equal(findTlsPolicyError(outcome.error)?.code, 'ERR_TLS_POLICY_VERSION');
      assert.equal(server.bytesReceived, 0);
      assert.ok(
        violations.some(([kind, action]) => kind === 'legacy-server' && action === 'blocked'),
        JSON.stringify(violations),
      );
    } finally {
      agent.destroy();
      await server.close();
    }
  });
});
