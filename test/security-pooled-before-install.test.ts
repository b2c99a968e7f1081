import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tls from 'node:tls';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Agent as UndiciAgent } from 'undici';
import { createTlsPolicy, installTlsPolicy } from '../src/index.js';
import { findTlsPolicyError, startTlsServer, TESTING_CA, type TestTlsServer } from '../src/testing/index.js';
import { recordEvents } from './helpers/events.js';
import { lookup } from './helpers/fixtures.js';
import { undiciFree, until } from './helpers/until.js';

// Class: connections pooled before an in-code installTlsPolicy(). The install wraps
// tls.connect and drops the free, unguarded sockets of http.Agents when they hand out a
// socket through addRequest. Anything pooled elsewhere (undici's clients, Node's global fetch
// dispatcher) or handed over another way (a busy socket given straight to a queued request when
// it frees up) keeps carrying requests over the TLS 1.0 connection made before the install.
// After the install not one application byte may reach the TLS 1.0 server.

const TOKEN = 'Bearer pooled-test-token';
// Before the install, nothing stops a caller from allowing TLS 1.0 (OpenSSL 3 needs level 0).
const LEGACY = { minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' } as const;

interface Outcome {
  body?: string | undefined;
  code?: string | undefined;
  policyCode?: string | undefined;
  reusedSocket?: boolean;
}

function get(agent: https.Agent, port: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = https.get(
      { host: 'graph.microsoft.com', port, path: '/v1.0/me', agent, lookup, ca: TESTING_CA, headers: { authorization: TOKEN }, ...LEGACY },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => resolve({ body, reusedSocket: req.reusedSocket }));
      },
    );
    req.on('error', (error: Error & { code?: string }) =>
      resolve({ code: error.code, policyCode: findTlsPolicyError(error)?.code, reusedSocket: req.reusedSocket }),
    );
  });
}

async function fetchOutcome(url: string, dispatcher?: unknown): Promise<Outcome> {
  try {
    const res = await fetch(url, { ...(dispatcher === undefined ? {} : { dispatcher }), headers: { authorization: TOKEN } } as RequestInit);
    return { body: await res.text() };
  } catch (error) {
    return {
      code: ((error as { cause?: { code?: string } }).cause ?? (error as { code?: string })).code,
      policyCode: findTlsPolicyError(error)?.code,
    };
  }
}

/** The request made after the install: refused by the policy, and nothing sent since the install. */
function assertNothingAfterInstall(server: TestTlsServer, bytesAtInstall: number, after: Outcome): void {
  const sent = server.bytesReceived - bytesAtInstall;
  assert.equal(
    after.body,
    undefined,
    `the request after the install was served over the pre-install TLS 1.0 connection (${sent} bytes): ${JSON.stringify(after)}`,
  );
  assert.equal(after.policyCode, 'ERR_TLS_POLICY_VERSION', `refused by the policy: ${JSON.stringify(after)}`);
  assert.equal(sent, 0, 'zero application bytes after the install');
}

describe('security: connections pooled before installTlsPolicy()', () => {
  it('an undici Agent with a keep-alive TLS 1.0 connection to graph.microsoft.com', async () => {
    const server = await startTlsServer({ versions: ['TLSv1'] });
    const dispatcher = new UndiciAgent({ connect: { lookup, ca: TESTING_CA, ...LEGACY } });
    let uninstall: (() => void) | undefined;
    try {
      const before = await fetchOutcome(server.url('/v1.0/me'), dispatcher);
      assert.equal(before.body, 'ok TLSv1', 'before the install the legacy connection works (the setup is real)');
      // undici hands the body over a moment before it puts the connection back in its pool.
      assert.ok(await until(() => undiciFree(dispatcher) === 1), 'the TLS 1.0 connection is back in the pool (the setup is real)');
      const policy = createTlsPolicy();
      const events = recordEvents(policy);
      uninstall = installTlsPolicy(policy);
      const bytesAtInstall = server.bytesReceived;
      const after = await fetchOutcome(server.url('/v1.0/me'), dispatcher);
      assertNothingAfterInstall(server, bytesAtInstall, after);
      assert.ok(events.violations.some((v) => v.action === 'blocked' && v.kind !== 'weak-runtime'));
    } finally {
      uninstall?.();
      await dispatcher.close();
      await server.close();
    }
  });

  describe('an https.Agent socket busy (request in flight) at install time', () => {
    /** A TLS 1.0 server that holds the first request until released. */
    async function startHoldingServer(): Promise<{ server: TestTlsServer; release(): void; firstArrived: Promise<void> }> {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let arrived!: () => void;
      const firstArrived = new Promise<void>((resolve) => (arrived = resolve));
      let first = true;
      const server = await startTlsServer({
        versions: ['TLSv1'],
        handler: (req, res) => {
          const hold = first;
          first = false;
          req.resume();
          req.on('end', () => {
            if (!hold) return void res.end(`ok ${(req.socket as tls.TLSSocket).getProtocol()}`);
            arrived();
            void gate.then(() => res.end(`ok ${(req.socket as tls.TLSSocket).getProtocol()}`));
          });
        },
      });
      return { server, release, firstArrived };
    }

    it('the next request, made after the busy one finished', async () => {
      const { server, release, firstArrived } = await startHoldingServer();
      const agent = new https.Agent({ keepAlive: true });
      let uninstall: (() => void) | undefined;
      try {
        const inFlight = get(agent, server.port);
        await firstArrived;
        const policy = createTlsPolicy();
        const events = recordEvents(policy);
        uninstall = installTlsPolicy(policy);
        const bytesAtInstall = server.bytesReceived;
        release();
        assert.equal((await inFlight).body, 'ok TLSv1', 'the request in flight at install time completes');
        assertNothingAfterInstall(server, bytesAtInstall, await get(agent, server.port));
        // The pooled socket was dropped: the request made a new connection, refused as legacy.
        assert.ok(events.violations.some((v) => v.kind === 'legacy-server' && v.action === 'blocked'));
      } finally {
        uninstall?.();
        agent.destroy();
        await server.close();
      }
    });

    it('the next request, queued behind the busy one (maxSockets 1): the freed socket goes straight to it', async () => {
      const { server, release, firstArrived } = await startHoldingServer();
      const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
      let uninstall: (() => void) | undefined;
      try {
        const inFlight = get(agent, server.port);
        await firstArrived;
        const policy = createTlsPolicy();
        const events = recordEvents(policy);
        uninstall = installTlsPolicy(policy);
        const bytesAtInstall = server.bytesReceived;
        const queued = get(agent, server.port);
        release();
        assert.equal((await inFlight).body, 'ok TLSv1', 'the request in flight at install time completes');
        assertNothingAfterInstall(server, bytesAtInstall, await queued);
        // The pooled socket is judged on what its handshake shows: it did negotiate TLS 1.0.
        assert.ok(events.violations.some((v) => v.kind === 'below-floor' && v.action === 'blocked'));
      } finally {
        uninstall?.();
        agent.destroy();
        await server.close();
      }
    });
  });

  it("Node's built-in fetch on its default global dispatcher (in a child process)", async () => {
    // The default dispatcher is Node's internal undici, which takes no options: the child
    // trusts the test CA through NODE_EXTRA_CA_CERTS, allows TLS 1.0 through NODE_OPTIONS
    // (what a legacy deployment does), and reaches the loopback server as 'localhost', brought
    // in scope with extraHosts. The 'other' certificate names localhost.
    const server = await startTlsServer({ versions: ['TLSv1'], hostnames: ['localhost'], certificate: 'other' });
    const dir = mkdtempSync(join(tmpdir(), 'm365-tls-policy-pooled-'));
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const script = `
      const { installTlsPolicy, createTlsPolicy } = await import('m365-tls-policy');
      const url = 'https://localhost:' + process.env.PORT + '/v1.0/me';
      const attempt = () => fetch(url, { headers: { authorization: '${TOKEN}' } }).then((r) => r.text(), (e) => (e.cause && e.cause.code) || e.code);
      const before = await attempt();
      await new Promise((resolve) => setTimeout(resolve, 50)); // the connection back in the pool
      const policy = createTlsPolicy({ extraHosts: ['localhost'] });
      const violations = [];
      policy.on('violation', (v) => v.kind !== 'weak-runtime' && violations.push([v.kind, v.action]));
      installTlsPolicy(policy);
      process.stdout.write(JSON.stringify({ before, after: await attempt(), violations }));
      process.exit(0);
    `;
    try {
      writeFileSync(join(dir, 'ca.pem'), TESTING_CA);
      const result = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--input-type=module', '-e', script],
          {
            cwd: root,
            timeout: 30_000,
            env: {
              ...process.env,
              PORT: String(server.port),
              NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
              NODE_OPTIONS: '--tls-min-v1.0 --tls-cipher-list=DEFAULT@SECLEVEL=0',
              DEBUG: '',
            },
          },
          (_error, stdout, stderr) => resolve({ stdout, stderr }),
        );
      });
      const out = JSON.parse(result.stdout || '{}') as { before?: string; after?: string; violations?: string[][] };
      assert.equal(
        out.before,
        'ok TLSv1',
        `before the install the legacy connection works (the setup is real): ${result.stdout} ${result.stderr}`,
      );
      assert.equal(
        out.after,
        'ERR_TLS_POLICY_VERSION',
        `after the install the pooled TLS 1.0 connection is not reused: got ${JSON.stringify(out.after)}; the server saw ${server.requests.length} request(s)`,
      );
      assert.equal(server.requests.length, 1, 'only the request made before the install reached the server');
      // Judged on what the pooled connection's handshake shows: TLS 1.0 (and its suite), blocked.
      assert.deepEqual(out.violations?.[0], ['below-floor', 'blocked']);
      assert.ok(out.violations?.every(([, action]) => action === 'blocked'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await server.close();
    }
  });
});
