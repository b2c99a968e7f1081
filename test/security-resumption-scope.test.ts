import assert from 'node:assert/strict';
import * as https from 'node:https';
import type * as tls from 'node:tls';
import { describe, it } from 'node:test';
import { Agent as UndiciAgent } from 'undici';
import { createFetchDispatcher, createHttpsAgent, createTlsPolicy, installTlsPolicy, type TlsPolicy } from '../src/index.js';
import { findTlsPolicyError, startTlsServer, TESTING_CA, type TestTlsServer } from '../src/testing/index.js';
import { lookup } from './helpers/fixtures.js';

// Class: scope taken from the certificate is lost on resumed sessions. A name that is out of
// scope (m365-alias.example.test, or 127.0.0.1) reaches a server whose certificate names
// Microsoft 365 hosts; the caller's legacy options are left alone (out of scope by name), the
// legacy handshake completes, and the certificate brings the connection in scope: refused.
// But the refused connection's TLS session is cached (by the agent, by undici, or by the
// caller), and the next connection resumes it: no certificate is presented on a resumed
// handshake, so nothing brings it in scope and the token goes out over TLS 1.0.
// Every attempt must be refused, and every attempt must send zero bytes.

const TOKEN = 'Bearer resumption-test-token';
const ATTEMPTS = 3;

interface Legacy {
  readonly versions: ['TLSv1'] | ['TLSv1.2'];
  /** Client options for an out-of-scope name: what the caller legitimately asks for there. */
  readonly client: { minVersion: tls.SecureVersion; ciphers: string };
}
const LEGACY: Legacy[] = [
  // TLS 1.0: below the floor.
  { versions: ['TLSv1'], client: { minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' } },
  // TLS 1.2 with a static-RSA CBC suite: outside the 'strong' suites.
  { versions: ['TLSv1.2'], client: { minVersion: 'TLSv1', ciphers: 'AES128-SHA' } },
];

// The two out-of-scope ways to reach the server. For 127.0.0.1 the certificate names no IP,
// so the caller supplies its own identity check (pinning done elsewhere, say): legitimate for
// an out-of-scope target, and what lets the handshake reach the certificate-scope check.
const NAMES: Array<{ host: string; extra: tls.ConnectionOptions }> = [
  { host: 'm365-alias.example.test', extra: {} },
  { host: '127.0.0.1', extra: { checkServerIdentity: () => undefined } },
];

type Attempt = { refused: boolean; code: string | undefined; bytes: number; resumed?: boolean };

/** Runs the same request ATTEMPTS times and records, for each, whether it was refused and what got through. */
async function attempts(server: TestTlsServer, once: () => Promise<{ resumed?: boolean }>): Promise<Attempt[]> {
  const results: Attempt[] = [];
  for (let i = 0; i < ATTEMPTS; i++) {
    const bytes = server.bytesReceived;
    try {
      const { resumed } = await once();
      results.push({ refused: false, code: undefined, bytes: server.bytesReceived - bytes, ...(resumed === undefined ? {} : { resumed }) });
    } catch (error) {
      const policyError = findTlsPolicyError(error);
      results.push({
        refused: policyError !== undefined,
        code: policyError?.code ?? (error as { code?: string }).code,
        bytes: server.bytesReceived - bytes,
      });
    }
  }
  return results;
}

function assertAllRefused(results: Attempt[], blocked: number): void {
  const shown = JSON.stringify(results);
  assert.ok(
    results.every((r) => r.refused),
    `every attempt is refused by the policy: ${shown}`,
  );
  assert.ok(
    results.every((r) => r.bytes === 0),
    `every attempt sends zero application bytes: ${shown}`,
  );
  assert.ok(blocked >= ATTEMPTS, `each attempt emits a blocking violation (${blocked} for ${ATTEMPTS} attempts)`);
}

function countBlocked(policy: TlsPolicy): () => number {
  let blocked = 0;
  policy.on('violation', (v) => {
    if (v.action === 'blocked') blocked += 1;
  });
  return () => blocked;
}

function get(agent: https.Agent, host: string, port: number, options: https.RequestOptions): Promise<{ resumed: boolean }> {
  return new Promise((resolve, reject) => {
    https
      .get({ host, port, path: '/v1.0/me', agent, lookup, ca: TESTING_CA, headers: { authorization: TOKEN }, ...options }, (res) => {
        const resumed = (res.socket as tls.TLSSocket).isSessionReused();
        res.resume();
        res.on('end', () => resolve({ resumed }));
      })
      .on('error', reject);
  });
}

async function fetchOnce(dispatcher: unknown, url: string): Promise<{ resumed?: boolean }> {
  // Connection: close, so that each attempt opens (and resumes) a new TLS connection.
  const res = await fetch(url, { dispatcher, headers: { authorization: TOKEN, connection: 'close' } } as RequestInit);
  await res.text();
  return {};
}

for (const legacy of LEGACY) {
  for (const { host, extra } of NAMES) {
    describe(`security: certificate scope on resumed sessions (${legacy.versions[0]}, ${host})`, () => {
      async function withServer(run: (server: TestTlsServer, url: string) => Promise<void>): Promise<void> {
        const server = await startTlsServer({
          versions: legacy.versions,
          hostnames: ['m365-alias.example.test'],
          certificate: 'microsoft365',
          key: 'rsa', // the TLS 1.2 case offers a static-RSA suite
        });
        try {
          await run(server, `https://${host}:${server.port}/v1.0/me`);
        } finally {
          await server.close();
        }
      }

      it('https agent (keepAlive off, so sessions are resumed through the agent cache)', async () => {
        await withServer(async (server) => {
          const policy = createTlsPolicy();
          const blocked = countBlocked(policy);
          const agent = createHttpsAgent({ policy, keepAlive: false });
          try {
            const results = await attempts(server, () => get(agent, host, server.port, { ...legacy.client, ...extra }));
            assertAllRefused(results, blocked());
          } finally {
            agent.destroy();
          }
        });
      });

      it('fetch dispatcher (undici keeps a TLS session cache per origin)', async () => {
        await withServer(async (server, url) => {
          const policy = createTlsPolicy();
          const blocked = countBlocked(policy);
          const dispatcher = createFetchDispatcher({ policy, connect: { lookup, ca: TESTING_CA, ...legacy.client, ...extra } as never });
          try {
            const results = await attempts(server, () => fetchOnce(dispatcher, url));
            assertAllRefused(results, blocked());
          } finally {
            await dispatcher.close();
          }
        });
      });

      it('installed policy, a plain https.Agent', async () => {
        await withServer(async (server) => {
          const policy = createTlsPolicy();
          const blocked = countBlocked(policy);
          const uninstall = installTlsPolicy(policy);
          const agent = new https.Agent({ keepAlive: false });
          try {
            const results = await attempts(server, () => get(agent, host, server.port, { ...legacy.client, ...extra }));
            assertAllRefused(results, blocked());
          } finally {
            uninstall();
            agent.destroy();
          }
        });
      });

      it('installed policy, a plain undici Agent', async () => {
        await withServer(async (server, url) => {
          const policy = createTlsPolicy();
          const blocked = countBlocked(policy);
          const uninstall = installTlsPolicy(policy);
          const dispatcher = new UndiciAgent({ connect: { lookup, ca: TESTING_CA, ...legacy.client, ...extra } as never });
          try {
            const results = await attempts(server, () => fetchOnce(dispatcher, url));
            assertAllRefused(results, blocked());
          } finally {
            uninstall();
            await dispatcher.close();
          }
        });
      });

      it('policy.tlsConnect, the caller resuming the session of the refused connection', async () => {
        await withServer(async (server) => {
          const policy = createTlsPolicy();
          const blocked = countBlocked(policy);
          let session: Buffer | undefined;
          const once = (): Promise<{ resumed: boolean }> =>
            new Promise((resolve, reject) => {
              const socket = policy.tlsConnect(
                {
                  host,
                  port: server.port,
                  lookup,
                  ca: TESTING_CA,
                  ...legacy.client,
                  ...extra,
                  ...(session === undefined ? {} : { session }),
                },
                () => {
                  const resumed = socket.isSessionReused();
                  socket.end(`GET /v1.0/me HTTP/1.1\r\nHost: graph.microsoft.com\r\nAuthorization: ${TOKEN}\r\nConnection: close\r\n\r\n`);
                  socket.resume();
                  socket.on('close', () => resolve({ resumed }));
                },
              );
              // What a client with its own session cache does (as https.Agent and undici do).
              socket.on('session', (s: Buffer) => (session = s));
              socket.on('error', reject);
            });
          const results = await attempts(server, once);
          assertAllRefused(results, blocked());
        });
      });
    });
  }
}
