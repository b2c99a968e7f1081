import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent as UndiciAgent } from 'undici';
import {
  createFetchDispatcher,
  createTlsPolicy,
  installTlsPolicy,
  type FetchDispatcherOptions,
  type TlsPolicy,
  type TlsPolicyErrorCode,
} from '../src/index.js';
import { expectRefused, startTlsServer, type TestTlsServer } from '../src/testing/index.js';
import { recordEvents } from './helpers/events.js';

// Class: the fetch dispatcher decides scope from undici's per-connection `servername`, which
// undici leaves empty for an IP-literal origin, and never looks at `connect.servername`, the
// name the handshake will actually carry. So https://127.0.0.1:PORT with
// connect.servername = 'graph.microsoft.com' is planned as out of scope: the caller's
// weakening options (TLS 1.0, no verification) go through untouched. The https agent already
// treats the same combination as in scope (test/agent-scope.test.ts).

const TOKEN = 'Bearer ip-origin-test-token';
// What the caller hands the dispatcher: the attack is in these options.
const WEAK = { servername: 'graph.microsoft.com', rejectUnauthorized: false, minVersion: 'TLSv1', maxVersion: 'TLSv1' } as const;
// OpenSSL 3 refuses TLS 1.0's SHA-1 handshake signatures unless the client is at level 0 too.
const WEAK_LEVEL0 = { ...WEAK, ciphers: 'DEFAULT:@SECLEVEL=0' } as const;
const ACCEPTED: readonly TlsPolicyErrorCode[] = ['ERR_TLS_POLICY_VERSION', 'ERR_TLS_POLICY_INSECURE_OPTIONS'];

// A TLS 1.0-only server with the Microsoft 365 certificate, and one with the 'other'
// certificate (it names 127.0.0.1 but no Microsoft 365 host: no certificate brings the
// connection back in scope after the handshake).
let m365Cert: TestTlsServer;
let otherCert: TestTlsServer;
before(async () => {
  m365Cert = await startTlsServer({ versions: ['TLSv1'] });
  otherCert = await startTlsServer({ versions: ['TLSv1'], hostnames: ['127.0.0.1'], certificate: 'other' });
});
after(async () => {
  await m365Cert.close();
  await otherCert.close();
});

async function fetchIp(server: TestTlsServer, dispatcher: unknown): Promise<string> {
  const res = await fetch(`https://127.0.0.1:${server.port}/v1.0/me`, { dispatcher, headers: { authorization: TOKEN } } as RequestInit);
  return res.text();
}

async function attack(server: TestTlsServer, policy: TlsPolicy, run: () => Promise<unknown>): Promise<void> {
  const events = recordEvents(policy);
  const before = { bytes: server.bytesReceived, requests: server.requests.length };
  const error = await expectRefused(run()).catch((failure: unknown) => {
    // The error expectRefused got, if any: a bare OpenSSL code means the policy never looked.
    const got = (failure as { actual?: { cause?: { code?: string }; code?: string } }).actual;
    throw new assert.AssertionError({
      message: `${(failure as Error).message} (${String(got?.cause?.code ?? got?.code ?? 'no error')}); the TLS 1.0 server received ${server.bytesReceived - before.bytes} application bytes in ${server.requests.length - before.requests} request(s); violations: ${JSON.stringify(events.violations.map((v) => [v.kind, v.action]))}`,
    });
  });
  assert.ok(ACCEPTED.includes(error.code), `refused with ${error.code}`);
  const network = events.violations.filter((v) => v.kind !== 'weak-runtime');
  assert.ok(
    network.some((v) => v.action === 'blocked'),
    'a blocking violation is emitted',
  );
  // In scope by servername, as the agent does it: the caller's weakening options are named.
  assert.ok(
    network.some((v) => v.kind === 'insecure-options' && v.options?.includes('minVersion')),
    `the weakening connect options are named (got ${JSON.stringify(network.map((v) => [v.kind, v.action, v.options]))})`,
  );
  assert.equal(server.bytesReceived - before.bytes, 0, 'no application byte (no token) was sent');
  assert.equal(server.requests.length - before.requests, 0);
}

describe('security: fetch dispatcher to an IP origin with connect.servername naming Microsoft 365', () => {
  const cases: Array<[string, () => TestTlsServer, FetchDispatcherOptions['connect']]> = [
    ['TLS 1.0 only and no verification, server with the Microsoft 365 certificate', () => m365Cert, { ...WEAK }],
    ['the same at cipher level 0, server with the Microsoft 365 certificate', () => m365Cert, { ...WEAK_LEVEL0 }],
    ['the same at cipher level 0, server whose certificate names no Microsoft 365 host', () => otherCert, { ...WEAK_LEVEL0 }],
  ];
  for (const [name, server, connect] of cases) {
    it(`createFetchDispatcher: ${name}`, async () => {
      const policy = createTlsPolicy();
      const dispatcher = createFetchDispatcher({ policy, connect });
      try {
        await attack(server(), policy, () => fetchIp(server(), dispatcher));
      } finally {
        await dispatcher.close();
      }
    });
  }

  it('createFetchDispatcher with insecureOptions refuse: refused before connecting', async () => {
    const policy = createTlsPolicy({ insecureOptions: 'refuse' });
    const dispatcher = createFetchDispatcher({ policy, connect: { ...WEAK_LEVEL0 } });
    const handshakes = otherCert.connections;
    try {
      await attack(otherCert, policy, () => fetchIp(otherCert, dispatcher));
      assert.equal(otherCert.connections - handshakes, 0, 'no TLS 1.0 handshake was made');
    } finally {
      await dispatcher.close();
    }
  });

  it('installed policy, a plain undici Agent with the same options (comparison: tls.connect sees the servername)', async () => {
    const policy = createTlsPolicy();
    const uninstall = installTlsPolicy(policy);
    const dispatcher = new UndiciAgent({ connect: { ...WEAK_LEVEL0 } });
    try {
      await attack(otherCert, policy, () => fetchIp(otherCert, dispatcher));
    } finally {
      uninstall();
      await dispatcher.close();
    }
  });
});
