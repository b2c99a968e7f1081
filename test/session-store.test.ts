import assert from 'node:assert/strict';
import * as https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { createHttpsAgent, createTlsPolicy, type SecureConnectionEvent } from '../src/index.js';
import { portOf } from '../src/engine/port.js';
import { sharedState } from '../src/engine/registry.js';
import { recordOf } from '../src/engine/sessions.js';
import { issueTestCertificate, startTlsServer, TESTING_CA, type TestTlsServer } from '../src/testing/index.js';

// The process-wide TLS session store: a new policy agent's first connection resumes a session
// an earlier agent was issued, but only where it is safe: the same trust (CA set), the same
// client certificate, the same identity check, name, host and port.
let tls13: TestTlsServer;
let tls12: TestTlsServer;
before(async () => {
  tls13 = await startTlsServer({ versions: ['TLSv1.3'] });
  tls12 = await startTlsServer({ versions: ['TLSv1.2'] });
});
after(async () => {
  await tls13.close();
  await tls12.close();
});

/** One request through a brand-new policy agent (and policy); whether its connection resumed a session. */
async function firstRequest(server: TestTlsServer, agentOptions: Record<string, unknown> = {}): Promise<boolean> {
  const policy = createTlsPolicy({ warnings: false });
  const secure: SecureConnectionEvent[] = [];
  policy.on('secure', (e) => secure.push(e));
  const agent = createHttpsAgent({ policy, keepAlive: false, ca: TESTING_CA, ...agentOptions });
  try {
    // Resolve when the connection has closed, not when the response ends: a TLS 1.3 ticket arrives
    // after the handshake and is stored by then (a fixed sleep here would be a bet).
    await new Promise<void>((resolve, reject) => {
      https
        .get(server.url('/'), { agent, lookup: server.lookup, headers: { authorization: 'Bearer session-store' } }, (res) => {
          res.resume();
        })
        .on('socket', (socket) => socket.once('close', () => resolve()))
        .on('error', reject);
    });
    assert.equal(secure.length, 1);
    return secure[0]?.sessionReused === true;
  } finally {
    agent.destroy();
  }
}

describe('the process-wide TLS session store', () => {
  for (const [label, server] of [
    ['TLS 1.3', () => tls13],
    ['TLS 1.2', () => tls12],
  ] as const) {
    it(`${label}: a new policy agent per request resumes from the first request (the test can fail)`, async () => {
      await firstRequest(server()); // issues a session
      assert.equal(await firstRequest(server()), true, "a new agent's first connection resumed");
      assert.equal(await firstRequest(server()), true);
    });
  }

  it('never across trust: another CA set, or a client certificate, gets a full handshake', async () => {
    await firstRequest(tls13);
    assert.equal(await firstRequest(tls13), true, 'the setup resumes when nothing differs');
    // The same CA plus another one: a different trust decision, so a different context.
    const otherCa = issueTestCertificate(['ca-set.example']).cert;
    assert.equal(await firstRequest(tls13, { ca: [TESTING_CA, otherCa] }), false, 'no session from the other CA set');
    // A client certificate: another identity towards the server.
    const client = issueTestCertificate(['client.example']);
    assert.equal(await firstRequest(tls13, { cert: client.cert, key: client.key }), false, 'no session across client certificates');
    // A caller's identity check (a pin) never resumes a session verified without it.
    assert.equal(await firstRequest(tls13, { checkServerIdentity: () => undefined }), false, 'no session across identity checks');
  });

  it('a recorded session rewritten in place is no longer taken for the one recorded (its digest is checked)', async () => {
    assert.equal(await firstRequest(tls12), true, 'a session for this server is stored by now');
    const policy = createTlsPolicy({ warnings: false });
    const planner = { port: portOf(policy), inScope: true };
    const recorded = [...sharedState().sessionStore.values()].filter((s) => recordOf(s, 'graph.microsoft.com', planner) !== undefined);
    assert.ok(recorded.length > 0, 'some stored session is recorded for graph.microsoft.com');
    const session = recorded[0]!;
    const at = session.length - 1;
    const original = session[at]!;
    session[at] = original ^ 0xff; // the same Buffer object, other bytes
    try {
      assert.equal(recordOf(session, 'graph.microsoft.com', planner), undefined);
    } finally {
      session[at] = original;
    }
    assert.notEqual(recordOf(session, 'graph.microsoft.com', planner), undefined, 'restored: the record applies again');
    assert.equal(recordOf(session, 'outlook.office365.com', planner), undefined, 'never for another name');
  });
});
