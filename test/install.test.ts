import assert from 'node:assert/strict';
import * as https from 'node:https';
import tls, { connect as namedConnect } from 'node:tls';
import { describe, it } from 'node:test';
import { createHttpsAgent, createTlsPolicy, installTlsPolicy, installedTlsPolicy, isTlsPolicyError } from '../src/index.js';
import { request } from './helpers/client.js';
import { recordEvents } from './helpers/events.js';
import { CA, lookup } from './helpers/fixtures.js';
import { withServers } from './helpers/tls-server.js';

// These tests install into this test file's own process (node --test runs each file apart),
// and every one uninstalls in `finally`, so each starts from a clean runtime.
describe('installTlsPolicy in this process', () => {
  it('wraps tls.connect (ESM named imports too) and uninstall restores the originals', () => {
    const original = tls.connect;
    const uninstall = installTlsPolicy();
    try {
      assert.notEqual(tls.connect, original);
      assert.equal(namedConnect, tls.connect, 'the ESM named binding follows (syncBuiltinESMExports)');
      assert.ok(installedTlsPolicy());
    } finally {
      uninstall();
    }
    assert.equal(tls.connect, original);
    assert.equal(namedConnect, original);
    assert.equal(installedTlsPolicy(), undefined);
  });

  it('installs stack without stacking wrappers: a stricter policy takes over, each uninstall removes only its own', () => {
    const first = installTlsPolicy();
    const firstPolicy = installedTlsPolicy();
    const wrapped = tls.connect;
    const policy = createTlsPolicy({ minVersion: 'TLSv1.3' });
    const second = installTlsPolicy(policy);
    try {
      assert.notEqual(second, first, 'each caller gets its own uninstall');
      assert.equal(tls.connect, wrapped);
      assert.equal(installedTlsPolicy(), policy);
      second();
      assert.equal(installedTlsPolicy(), firstPolicy, "the first caller's policy is back in force");
      assert.equal(tls.connect, wrapped);
    } finally {
      second();
      first();
    }
    assert.equal(installedTlsPolicy(), undefined);
  });

  it('refuses a legacy Microsoft 365 host through a plain https.Agent, a raw tls.connect and the global agent', async () => {
    await withServers([{ versions: ['TLSv1.1'] }], async ([server]) => {
      const policy = createTlsPolicy();
      const events = recordEvents(policy);
      const uninstall = installTlsPolicy(policy);
      try {
        const weak = { minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' } as const;
        const viaPlainAgent = await request(new https.Agent(), 'graph.microsoft.com', server!.port, weak);
        assert.equal(viaPlainAgent.error?.code, 'ERR_TLS_POLICY_VERSION');
        const viaGlobalAgent = await request(undefined, 'graph.microsoft.com', server!.port, weak);
        assert.equal(viaGlobalAgent.error?.code, 'ERR_TLS_POLICY_VERSION');
        const raw = await new Promise<unknown>((resolve) => {
          const socket = namedConnect({ host: 'graph.microsoft.com', port: server!.port, lookup, ca: CA, ...weak }, () =>
            resolve('connected'),
          );
          socket.on('error', resolve);
        });
        assert.ok(isTlsPolicyError(raw));
        assert.equal(server!.bytesReceived, 0);
        assert.equal(events.violations.filter((v) => v.kind === 'legacy-server').length, 3);
      } finally {
        uninstall();
      }
      const after = await request(new https.Agent(), 'graph.microsoft.com', server!.port, {
        minVersion: 'TLSv1',
        ciphers: 'DEFAULT:@SECLEVEL=0',
      });
      assert.equal(after.body, 'ok TLSv1.1', 'after uninstall the plain behaviour is back');
    });
  });

  it('a policy agent under an install of the same policy is checked once, not twice', async () => {
    await withServers([{ versions: ['TLSv1.3'] }], async ([server]) => {
      const policy = createTlsPolicy();
      const events = recordEvents(policy);
      const uninstall = installTlsPolicy(policy);
      try {
        const agent = createHttpsAgent({ policy });
        assert.equal((await request(agent, 'graph.microsoft.com', server!.port)).body, 'ok TLSv1.3');
        assert.equal(events.secure.length, 1);
        agent.destroy();
      } finally {
        uninstall();
      }
    });
  });

  it('keep-alive sockets pooled before the install are not reused: the next request reconnects under the policy', async () => {
    await withServers([{ versions: ['TLSv1.2'], key: 'rsa' }], async ([server]) => {
      const agent = new https.Agent({ keepAlive: true });
      // A weak suite the strong policy would never negotiate.
      const before = await request(agent, 'graph.microsoft.com', server!.port, { ciphers: 'AES128-SHA' });
      assert.equal(before.body, 'ok TLSv1.2', String(before.error?.stack));
      const policy = createTlsPolicy();
      const events = recordEvents(policy);
      const uninstall = installTlsPolicy(policy);
      try {
        const after = await request(agent, 'graph.microsoft.com', server!.port, { ciphers: 'AES128-SHA' });
        assert.equal(after.body, 'ok TLSv1.2', String(after.error?.stack));
        assert.equal(after.reusedSocket, false);
        assert.equal(server!.connections, 2);
        assert.match(events.secure[0]?.cipher ?? '', /^ECDHE-/u);
        const again = await request(agent, 'graph.microsoft.com', server!.port, { ciphers: 'AES128-SHA' });
        assert.equal(again.reusedSocket, true, 'sockets made under the policy are reused as usual');
      } finally {
        uninstall();
        agent.destroy();
      }
    });
  });

  it('counts connections and violations per host in policy.stats()', async () => {
    await withServers([{ versions: ['TLSv1.3'] }, { versions: ['TLSv1'] }], async ([modern, legacy]) => {
      const policy = createTlsPolicy();
      const uninstall = installTlsPolicy(policy);
      try {
        await request(new https.Agent(), 'graph.microsoft.com', modern!.port);
        await request(new https.Agent(), 'outlook.office365.com', legacy!.port);
      } finally {
        uninstall();
      }
      const stats = policy.stats();
      // The install itself reports the runtime audit's findings under '(process)' (on an
      // end-of-life Node.js, for one), so count the network's violations apart.
      const runtime = stats.hosts['(process)']?.violations.total ?? 0;
      assert.deepEqual(stats.totals, { connections: 1, violations: 1 + runtime });
      assert.deepEqual(stats.hosts['graph.microsoft.com']?.connections.byProtocol, { 'TLSv1.3': 1 });
      assert.deepEqual(stats.hosts['outlook.office365.com']?.violations.byKind, { 'legacy-server': 1 });
      assert.deepEqual(stats.hosts['outlook.office365.com']?.violations.byAction, { blocked: 1 });
    });
  });
});

describe('clients that were given nothing, under an install', () => {
  it('axios, got, node-fetch, undici fetch and nodemailer are refused by a TLS 1.1 Microsoft 365 host', async () => {
    const [{ default: axios }, { default: got }, { default: nodeFetch }, undici, { default: nodemailer }] = await Promise.all([
      import('axios'),
      import('got'),
      import('node-fetch'),
      import('undici'),
      import('nodemailer'),
    ]);
    const { startSmtpServer } = await import('./helpers/smtp-server.js');
    const smtp = await startSmtpServer(['TLSv1.1']);
    await withServers([{ versions: ['TLSv1.1'] }], async ([server]) => {
      const policy = createTlsPolicy();
      const events = recordEvents(policy);
      const uninstall = installTlsPolicy(policy);
      // Only what every test needs to reach the loopback server (trust and name mapping); no
      // agent, no dispatcher, no TLS options from this package.
      const agent = new https.Agent({ ca: CA, lookup });
      const url = `https://graph.microsoft.com:${server!.port}/`;
      try {
        const outcomes = await Promise.all([
          axios.get(url, { httpsAgent: agent, proxy: false }).then(
            () => 'served',
            (e: { code?: string }) => e.code,
          ),
          got(url, { agent: { https: agent }, retry: { limit: 0 } }).then(
            () => 'served',
            (e: { code?: string }) => e.code,
          ),
          nodeFetch(url, { agent }).then(
            () => 'served',
            (e: { code?: string }) => e.code,
          ),
          undici.fetch(url, { dispatcher: new undici.Agent({ connect: { ca: CA, lookup } }) }).then(
            () => 'served',
            (e: { cause?: { code?: string } }) => e.cause?.code,
          ),
          nodemailer
            .createTransport({ host: '127.0.0.1', port: smtp.port, requireTLS: true, tls: { ca: CA, servername: 'smtp.office365.com' } })
            .sendMail({ from: 'a@contoso.example', to: 'b@contoso.example', text: 'x' })
            .then(
              () => 'served',
              (e: { originalCode?: string; code?: string }) => e.originalCode ?? e.code,
            ),
        ]);
        assert.deepEqual(outcomes, [
          'ERR_TLS_POLICY_VERSION',
          'ERR_TLS_POLICY_VERSION',
          'ERR_TLS_POLICY_VERSION',
          'ERR_TLS_POLICY_VERSION',
          'ERR_TLS_POLICY_VERSION',
        ]);
        assert.equal(server!.bytesReceived, 0);
        assert.equal(smtp.bytesAfterUpgrade, 0);
        assert.ok(events.violations.some((v) => v.host === 'smtp.office365.com' && v.kind === 'legacy-server'));
      } finally {
        uninstall();
        agent.destroy();
        await smtp.close();
      }
    });
  });
});

describe('PolicyStats', () => {
  it('folds hosts past the cap into (other), so memory stays bounded', async () => {
    const { PolicyStats } = await import('../src/observe/policy-stats.js');
    const stats = new PolicyStats(3);
    for (let i = 0; i < 1000; i++) {
      stats.recordSecure({
        host: `h${i}.example`,
        protocol: 'TLSv1.3',
        cipher: 'TLS_AES_128_GCM_SHA256',
        sessionReused: false,
        time: new Date(i).toISOString(),
      });
    }
    const snapshot = stats.snapshot();
    assert.deepEqual(Object.keys(snapshot.hosts), ['h0.example', 'h1.example', 'h2.example', '(other)']);
    assert.equal(snapshot.hosts['(other)']?.connections.total, 997);
    assert.equal(snapshot.totals.connections, 1000);
  });
});
