import assert from 'node:assert/strict';
import * as https from 'node:https';
import { describe, it } from 'node:test';
import { createHttpsAgent, createTlsPolicy, isTlsPolicyError } from '../src/index.js';
import { startDowngradeProxy, startTlsServer } from '../src/testing/index.js';
import { socketCount, until } from './helpers/until.js';

// A short soak, sized for CI: thousands of requests at concurrency 50 against a mix of legacy
// servers, modern ones and an active downgrade. Counted, never timed.
const REQUESTS = 3000;
const CONCURRENCY = 50;

function openSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TLSWrap' || r === 'TCPSocketWrap' || r === 'TCPWRAP').length;
}

describe('adversarial: soak', () => {
  it(`${REQUESTS} requests at concurrency ${CONCURRENCY}: every legacy or attacked one refused, every modern one served, nothing leaks`, async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const modern = await startTlsServer({ versions: ['TLSv1.2', 'TLSv1.3'] });
    const legacy = await startTlsServer({ versions: ['TLSv1', 'TLSv1.1'], hostnames: ['outlook.office365.com'] });
    const attacked = await startTlsServer({ versions: ['TLSv1.2', 'TLSv1.3'], hostnames: ['contoso.sharepoint.com'] });
    const proxy = await startDowngradeProxy({ target: attacked.port, attack: 'strip-tls13' });
    const baselineSockets = openSockets();
    const policy = createTlsPolicy();
    const listenersBefore = policy.listenerCount('violation');
    let violations = 0;
    policy.on('violation', () => (violations += 1));
    const agent = createHttpsAgent({ policy, maxSockets: CONCURRENCY });
    const targets = [
      { host: 'graph.microsoft.com', port: modern.port, lookup: modern.lookup, expect: 'served' },
      { host: 'outlook.office365.com', port: legacy.port, lookup: legacy.lookup, expect: 'ERR_TLS_POLICY_VERSION' },
      { host: 'contoso.sharepoint.com', port: proxy.port, lookup: attacked.lookup, expect: 'ERR_TLS_POLICY_DOWNGRADE' },
    ] as const;
    const tally = new Map<string, number>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < REQUESTS) {
        const target = targets[next++ % targets.length]!;
        const outcome = await new Promise<string>((resolve) => {
          https
            .get({ host: target.host, port: target.port, lookup: target.lookup, ca: modern.ca, agent }, (res) => {
              res.resume();
              res.on('end', () => resolve('served'));
            })
            .on('error', (e) => resolve(isTlsPolicyError(e) ? e.code : `unexpected ${(e as { code?: string }).code}`));
        });
        const key = `${target.expect} -> ${outcome}`;
        tally.set(key, (tally.get(key) ?? 0) + 1);
      }
    };
    try {
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      const third = REQUESTS / targets.length;
      assert.deepEqual(Object.fromEntries(tally), {
        'served -> served': third,
        'ERR_TLS_POLICY_VERSION -> ERR_TLS_POLICY_VERSION': third,
        'ERR_TLS_POLICY_DOWNGRADE -> ERR_TLS_POLICY_DOWNGRADE': third,
      });
      assert.equal(violations, 2 * third, 'one violation per refused request');
      assert.equal(legacy.bytesReceived + attacked.bytesReceived, 0);
      assert.ok(modern.connections <= CONCURRENCY, `keep-alive held: ${modern.connections} connections for ${third} requests`);
      // Sockets leave the agent's books on 'close', a moment after the last response.
      await until(() => socketCount(agent.sockets) === 0);
      assert.equal(socketCount(agent.sockets), 0, `no socket left in use: ${JSON.stringify(Object.keys(agent.sockets))}`);
    } finally {
      agent.destroy();
      await Promise.all([proxy.close(), modern.close(), legacy.close(), attacked.close()]);
      // Closed handles leave the list of active resources a moment after 'close'.
      await until(() => openSockets() <= baselineSockets);
      process.off('unhandledRejection', onUnhandled);
    }
    assert.deepEqual(unhandled, []);
    assert.ok(openSockets() <= baselineSockets, `sockets leaked: ${openSockets()} open, ${baselineSockets} before`);
    assert.equal(policy.listenerCount('violation'), listenersBefore + 1, 'the policy holds no listeners of its own');
  });
});
