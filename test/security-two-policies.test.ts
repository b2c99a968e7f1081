import assert from 'node:assert/strict';
import type * as tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import {
  createFetchDispatcher,
  createHttpsAgent,
  createTlsPolicy,
  installTlsPolicy,
  type TlsPolicy,
  type TlsPolicyOptions,
} from '../src/index.js';
import { startTlsServer, TESTING_CA, type TestTlsServer } from '../src/testing/index.js';
import { request } from './helpers/client.js';
import { recordEvents } from './helpers/events.js';
import { lookup } from './helpers/fixtures.js';

// Class: two policies in one process. An agent, dispatcher or tlsConnect of policy B hands
// tls.connect hardened options that carry B's cached SecureContext; the installed policy A
// only recognises its own marker, so it judges B's options as a caller's and reads
// `secureContext` as a weakening option: a false 'insecure-options' violation on every
// healthy connection, and with insecureOptions 'refuse' every such connection is refused.

const TOKEN = 'Bearer two-policies-test-token';

let server: TestTlsServer;
before(async () => {
  server = await startTlsServer({ versions: ['TLSv1.3'] });
});
after(() => server.close());

type Client = (policy: TlsPolicy) => Promise<string>;

const CLIENTS: Record<string, Client> = {
  'createHttpsAgent of another policy': async (policy) => {
    const agent = createHttpsAgent({ policy, keepAlive: false });
    try {
      const outcome = await request(agent, 'graph.microsoft.com', server.port, { path: '/v1.0/me', headers: { authorization: TOKEN } });
      if (!outcome.ok) throw outcome.error;
      return outcome.body ?? '';
    } finally {
      agent.destroy();
    }
  },
  'createFetchDispatcher of another policy': async (policy) => {
    const dispatcher = createFetchDispatcher({ policy, connect: { lookup, ca: TESTING_CA } });
    try {
      const res = await fetch(server.url('/v1.0/me'), { dispatcher, headers: { authorization: TOKEN } } as RequestInit);
      return await res.text();
    } finally {
      await dispatcher.close();
    }
  },
  'tlsConnect of another policy': (policy) =>
    new Promise<string>((resolve, reject) => {
      const socket: tls.TLSSocket = policy.tlsConnect({ host: 'graph.microsoft.com', port: server.port, lookup, ca: TESTING_CA }, () => {
        socket.end(`GET /v1.0/me HTTP/1.1\r\nHost: graph.microsoft.com\r\nAuthorization: ${TOKEN}\r\nConnection: close\r\n\r\n`);
      });
      let answer = '';
      socket.on('data', (c: Buffer) => (answer += c));
      socket.on('end', () => resolve(answer.slice(answer.indexOf('\r\n\r\n') + 4)));
      socket.on('error', reject);
    }),
};

for (const installed of [{}, { insecureOptions: 'refuse' }] as TlsPolicyOptions[]) {
  describe(`security: a policy installed with ${JSON.stringify(installed)} and another policy's adapters`, () => {
    for (const [name, client] of Object.entries(CLIENTS)) {
      it(`${name}: a healthy TLS 1.3 request succeeds with no violation on either policy`, async () => {
        const a = createTlsPolicy(installed);
        const b = createTlsPolicy();
        const eventsA = recordEvents(a);
        const eventsB = recordEvents(b);
        const uninstall = installTlsPolicy(a);
        try {
          let body: string;
          try {
            body = await client(b);
          } catch (error) {
            assert.fail(
              `the healthy request was refused: ${String((error as Error & { cause?: Error }).cause?.message ?? (error as Error).message)}`,
            );
          }
          assert.equal(body, 'ok TLSv1.3');
          const falseAlarms = [...eventsA.violations, ...eventsB.violations].filter((v) => v.kind !== 'weak-runtime');
          assert.deepEqual(
            falseAlarms.map((v) => [v.kind, v.action, v.options]),
            [],
            "no violation for a healthy connection (the other policy's own SecureContext is not a caller weakening)",
          );
        } finally {
          uninstall();
        }
      });
    }
  });
}
