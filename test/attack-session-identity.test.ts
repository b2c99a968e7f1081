import assert from 'node:assert/strict';
import * as https from 'node:https';
import type * as tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { createHttpsAgent, createTlsPolicy, installTlsPolicy, type TlsPolicy } from '../src/index.js';
import { expectRefused, startTlsServer, TESTING_CA, type TestTlsServer } from '../src/testing/index.js';
import { recordEvents } from './helpers/events.js';
import { lookup } from './helpers/fixtures.js';
import { rawRequest, statusLine } from './helpers/raw-request.js';

// Attack: a TLS session the policy recorded for an OUT-OF-SCOPE connection (example.test, a
// perfectly valid certificate for example.test, passed with inScope: false) is offered on a
// connection to graph.microsoft.com. The planner offers any session it has a record of
// (engine/plan.ts, recordOf), whatever host it was issued for; the impostor that issued it
// resumes it; Node skips checkServerIdentity on a resumed handshake (_tls_wrap onConnectSecure:
// `if (!verifyError && !this.isSessionReused())`), and the verdict skips the certificate and
// identity checks for resumed sessions (inspectSocket `resumed: true`) and takes the scope
// from `plan.inScope`. Result: the in-scope request, Bearer token included, goes to the
// example.test server, and the policy emits 'secure' for graph.microsoft.com.
// Closed: session records carry the name they were issued for (and a copy of their bytes); the planner offers a session only for that name.

const TOKEN = 'Bearer session-identity-token';
const ATTACKER_NAME = 'example.test';

/** The status line of a raw request with the token. */
const rawLine = (connect: (cb: () => void) => tls.TLSSocket, sessions?: Buffer[]): Promise<string> =>
  rawRequest(TOKEN, connect, sessions).then(statusLine);

/** An https GET through `agent`, capturing the TLS sessions its socket is issued. */
function get(host: string, port: number, options: https.RequestOptions & tls.ConnectionOptions, sessions: Buffer[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      { host, port, path: '/v1.0/me', lookup, ca: TESTING_CA, ...options, headers: { authorization: TOKEN, connection: 'close' } },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        // Resolved once the socket has closed: every session it was issued has been seen (and
        // recorded by the policy) by then, without guessing how long that takes.
        res.on('end', () => {
          const socket = req.socket as tls.TLSSocket;
          const answer = `${body} (resumed: ${socket.isSessionReused()})`;
          if (socket.destroyed) resolve(answer);
          else socket.once('close', () => resolve(answer));
        });
      },
    );
    req.on('socket', (socket) => socket.on('session', (s: Buffer) => sessions.push(s)));
    req.on('error', reject);
  });
}

for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
  describe(`attack: a session issued by ${ATTACKER_NAME} (out of scope) resumed for graph.microsoft.com (${version})`, () => {
    let impostor: TestTlsServer;
    before(async () => {
      impostor = await startTlsServer({ hostnames: [ATTACKER_NAME], certificate: 'other', versions: [version] });
    });
    after(() => impostor.close());

    async function attack(policy: TlsPolicy, run: () => Promise<string>): Promise<void> {
      const events = recordEvents(policy);
      const bytes = impostor.bytesReceived;
      await expectRefused(run()).catch((failure: unknown) => {
        throw new assert.AssertionError({
          message:
            `${(failure as Error).message}; the ${ATTACKER_NAME} server received ${impostor.bytesReceived - bytes} application bytes ` +
            `of a graph.microsoft.com request; events: secure=${JSON.stringify(events.secure.map((e) => [e.host, e.sessionReused]))} ` +
            `violations=${JSON.stringify(events.violations.filter((v) => v.kind !== 'weak-runtime').map((v) => [v.kind, v.action]))}`,
        });
      });
      assert.equal(impostor.bytesReceived - bytes, 0, 'no application byte reached the impostor');
      assert.ok(
        events.violations.some((v) => v.action === 'blocked'),
        'a blocking violation is emitted',
      );
    }

    it('https agent: the session of an example.test request passed as `session` on a graph.microsoft.com request', async () => {
      const policy = createTlsPolicy();
      const agent = createHttpsAgent({ policy, keepAlive: false });
      try {
        const sessions: Buffer[] = [];
        await get(ATTACKER_NAME, impostor.port, { agent }, sessions);
        assert.ok(sessions.length > 0, 'the out-of-scope connection was issued a session');
        await attack(policy, () => get('graph.microsoft.com', impostor.port, { agent, session: sessions[sessions.length - 1] }));
      } finally {
        agent.destroy();
      }
    });

    it('policy.tlsConnect: the session of an example.test connection offered to graph.microsoft.com', async () => {
      const policy = createTlsPolicy();
      const sessions: Buffer[] = [];
      const base = { port: impostor.port, ca: TESTING_CA, lookup };
      await rawLine((cb) => policy.tlsConnect({ ...base, host: ATTACKER_NAME, servername: ATTACKER_NAME }, cb), sessions);
      assert.ok(sessions.length > 0, 'the out-of-scope connection was issued a session');
      const session = sessions[sessions.length - 1];
      await attack(policy, () =>
        rawLine((cb) =>
          policy.tlsConnect(
            { ...base, host: 'graph.microsoft.com', servername: 'graph.microsoft.com', ...(session ? { session } : {}) },
            cb,
          ),
        ),
      );
    });

    it('installed policy: https.get with agent: false and an explicit session', async () => {
      const policy = createTlsPolicy();
      const uninstall = installTlsPolicy(policy);
      try {
        const sessions: Buffer[] = [];
        await get(ATTACKER_NAME, impostor.port, { agent: false }, sessions);
        assert.ok(sessions.length > 0, 'the out-of-scope connection was issued a session');
        await attack(policy, () => get('graph.microsoft.com', impostor.port, { agent: false, session: sessions[sessions.length - 1] }));
      } finally {
        uninstall();
      }
    });
  });
}
