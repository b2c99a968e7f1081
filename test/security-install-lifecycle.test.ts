import assert from 'node:assert/strict';
import * as https from 'node:https';
import { afterEach, describe, it } from 'node:test';
import { Agent as UndiciAgent } from 'undici';
import { createTlsPolicy, installTlsPolicy, installedTlsPolicy, isTlsPolicyError, type TlsPolicy } from '../src/index.js';
import { findTlsPolicyError, startTlsServer, TESTING_CA, type TestTlsServer } from '../src/testing/index.js';
import { request } from './helpers/client.js';
import { recordEvents } from './helpers/events.js';
import { lookup } from './helpers/fixtures.js';
import { socketCount, undiciFree, until } from './helpers/until.js';

// Class: the install lifecycle. One installation per process is shared by every caller (a
// library and the application, say), so one caller's uninstall or re-install can silently
// switch another caller's protection off or leave old connections in service.

const TOKEN = 'Bearer lifecycle-test-token';
const LEGACY = { minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' } as const;

interface Outcome {
  body?: string | undefined;
  code?: string | undefined;
  policyCode?: string | undefined;
}

/** A request through a plain agent, as any library would make it, with options that allow TLS 1.0. */
async function get(server: TestTlsServer, agent: https.Agent, options: https.RequestOptions = LEGACY): Promise<Outcome> {
  const outcome = await request(agent, 'graph.microsoft.com', server.port, {
    path: '/v1.0/me',
    headers: { authorization: TOKEN },
    ...options,
  });
  return outcome.ok ? { body: outcome.body } : { code: outcome.error?.code, policyCode: findTlsPolicyError(outcome.error)?.code };
}

const networkViolations = (events: ReturnType<typeof recordEvents>) => events.violations.filter((v) => v.kind !== 'weak-runtime');

describe('security: two callers install the policy', () => {
  async function legacyRequestIsRefusedBy(policy: TlsPolicy): Promise<void> {
    const server = await startTlsServer({ versions: ['TLSv1'] });
    const events = recordEvents(policy);
    const agent = new https.Agent({ keepAlive: false });
    try {
      const outcome = await get(server, agent);
      assert.equal(
        outcome.body,
        undefined,
        `the TLS 1.0 request went through with no policy in force (${server.bytesReceived} bytes): ${JSON.stringify(outcome)}`,
      );
      assert.equal(outcome.policyCode, 'ERR_TLS_POLICY_VERSION', JSON.stringify(outcome));
      assert.equal(server.bytesReceived, 0);
      assert.ok(
        networkViolations(events).some((v) => v.kind === 'legacy-server' && v.action === 'blocked'),
        "the remaining caller's policy is the one that refused",
      );
    } finally {
      agent.destroy();
      await server.close();
    }
  }

  it("the second caller's uninstall leaves the first caller's policy in force", async () => {
    const first = createTlsPolicy();
    const uninstallFirst = installTlsPolicy(first);
    const uninstallSecond = installTlsPolicy(createTlsPolicy());
    try {
      uninstallSecond();
      await legacyRequestIsRefusedBy(first);
    } finally {
      uninstallSecond();
      uninstallFirst();
    }
  });

  it("the first caller's uninstall leaves the second caller's policy in force", async () => {
    const second = createTlsPolicy();
    const uninstallFirst = installTlsPolicy(createTlsPolicy());
    const uninstallSecond = installTlsPolicy(second);
    try {
      uninstallFirst();
      await legacyRequestIsRefusedBy(second);
    } finally {
      uninstallFirst();
      uninstallSecond();
    }
    assert.equal(installedTlsPolicy(), undefined, 'once both callers uninstalled, nothing is left installed');
  });
});

describe('security: a later report-mode install over an enforcing one', () => {
  // Decision: switching the process from enforce to report is a weakening, and must not be
  // silent. Either installTlsPolicy refuses it (a thrown TlsPolicyError, and enforcement stays),
  // or it happens with a violation on record (on either policy, so the enforcing caller's
  // listener or the log sees it). Runtime-audit findings (weak-runtime, e.g. an end-of-life
  // Node.js) are emitted on every install and do not count: they say nothing about the switch.
  it('is refused with a TlsPolicyError, or reported as a violation', async () => {
    const enforcing = createTlsPolicy();
    const reporting = createTlsPolicy({ mode: 'report' });
    const enforcingEvents = recordEvents(enforcing);
    const reportingEvents = recordEvents(reporting);
    const uninstallEnforcing = installTlsPolicy(enforcing);
    let uninstallReporting: (() => void) | undefined;
    let thrown: unknown;
    const server = await startTlsServer({ versions: ['TLSv1'] });
    const agent = new https.Agent({ keepAlive: false });
    try {
      try {
        uninstallReporting = installTlsPolicy(reporting);
      } catch (error) {
        thrown = error;
      }
      // What the install itself signalled, before any connection is made.
      const signalled = [...networkViolations(enforcingEvents), ...networkViolations(reportingEvents)];
      const outcome = await get(server, agent);
      if (thrown !== undefined) {
        assert.ok(isTlsPolicyError(thrown), `the refusal is a TlsPolicyError: ${String(thrown)}`);
        assert.equal(installedTlsPolicy(), enforcing);
        assert.equal(outcome.policyCode, 'ERR_TLS_POLICY_VERSION', 'enforcement stays on');
        assert.equal(server.bytesReceived, 0);
      } else {
        assert.ok(
          signalled.length > 0,
          `installTlsPolicy({ mode: 'report' }) silently turned enforcement off: no error, no violation about it, and the TLS 1.0 request then ${outcome.body === undefined ? 'was refused' : `went through (${server.bytesReceived} bytes)`}`,
        );
      }
    } finally {
      uninstallReporting?.();
      uninstallEnforcing();
      agent.destroy();
      await server.close();
    }
  });
});

describe('security: re-install with a higher floor', () => {
  // Each install has its own uninstall (installs stack): every one is undone after each test.
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const undo of cleanups.splice(0)) undo();
  });

  it('a plain https.Agent does not reuse a keep-alive TLS 1.2 socket made under the old floor', async () => {
    const server = await startTlsServer({ versions: ['TLSv1.2'] });
    const agent = new https.Agent({ keepAlive: true });
    const uninstall = installTlsPolicy(createTlsPolicy());
    try {
      const before = await get(server, agent, {});
      assert.equal(before.body, 'ok TLSv1.2', 'TLS 1.2 meets the first policy (the setup is real)');
      assert.ok(await until(() => socketCount(agent.freeSockets) === 1), 'the TLS 1.2 socket is back in the pool (the setup is real)');
      const raised = createTlsPolicy({ minVersion: 'TLSv1.3' });
      const events = recordEvents(raised);
      const uninstallRaised = installTlsPolicy(raised);
      cleanups.push(uninstallRaised);
      const bytesAtReinstall = server.bytesReceived;
      const after = await get(server, agent, {});
      assert.equal(
        after.body,
        undefined,
        `the pooled TLS 1.2 socket carried a request under the TLS 1.3 floor (${server.bytesReceived - bytesAtReinstall} bytes)`,
      );
      assert.equal(after.policyCode, 'ERR_TLS_POLICY_VERSION', JSON.stringify(after));
      assert.equal(server.bytesReceived - bytesAtReinstall, 0);
      assert.ok(networkViolations(events).some((v) => v.action === 'blocked'));
    } finally {
      uninstall();
      agent.destroy();
      await server.close();
    }
  });

  it('a plain undici Agent does not reuse a keep-alive TLS 1.2 connection made under the old floor', async () => {
    const server = await startTlsServer({ versions: ['TLSv1.2'] });
    const dispatcher = new UndiciAgent({ connect: { lookup, ca: TESTING_CA } });
    const uninstall = installTlsPolicy(createTlsPolicy());
    const attempt = async (): Promise<Outcome> => {
      try {
        const res = await fetch(server.url('/v1.0/me'), { dispatcher, headers: { authorization: TOKEN } } as RequestInit);
        return { body: await res.text() };
      } catch (error) {
        return { code: (error as { cause?: { code?: string } }).cause?.code, policyCode: findTlsPolicyError(error)?.code };
      }
    };
    try {
      assert.equal((await attempt()).body, 'ok TLSv1.2', 'TLS 1.2 meets the first policy (the setup is real)');
      assert.ok(await until(() => undiciFree(dispatcher) === 1), 'the TLS 1.2 connection is back in the pool (the setup is real)');
      cleanups.push(installTlsPolicy(createTlsPolicy({ minVersion: 'TLSv1.3' })));
      const bytesAtReinstall = server.bytesReceived;
      const after = await attempt();
      assert.equal(
        after.body,
        undefined,
        `the pooled TLS 1.2 connection carried a request under the TLS 1.3 floor (${server.bytesReceived - bytesAtReinstall} bytes)`,
      );
      assert.equal(after.policyCode, 'ERR_TLS_POLICY_VERSION', JSON.stringify(after));
      assert.equal(server.bytesReceived - bytesAtReinstall, 0);
    } finally {
      uninstall();
      await dispatcher.close();
      await server.close();
    }
  });
});
