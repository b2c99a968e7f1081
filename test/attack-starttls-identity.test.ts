import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { createTlsPolicy, installTlsPolicy, type TlsPolicy } from '../src/index.js';
import { expectRefused, startTlsServer, TESTING_CA, type TestTlsServer } from '../src/testing/index.js';
import { recordEvents } from './helpers/events.js';
import { lookup } from './helpers/fixtures.js';

// Attack: tls.connect({ socket }) — a STARTTLS upgrade, or TLS over a socket a library dialled
// itself — on a socket connected to graph.microsoft.com, with servername 'example.test'. The
// planner's names are `hostname`, `host` and `servername` (policy/scope.ts namedHosts); the
// host the socket is really connected to (`socket._host`, which Node itself falls back to for
// the identity check) is not one of them. So the connection is "out of scope", nothing is
// hardened, the identity-escape rule (servername outside the scope while the connection is in
// scope by another name) never fires, and the impostor's valid example.test certificate is
// accepted for a connection dialled to graph.microsoft.com. Same class as the fixed
// `servername` escape, through the socket option.
// Closed: the planner's names include the host a given socket was dialled to (policy/scope.ts socketHost).

const TOKEN = 'Bearer starttls-identity-token';

let impostor: TestTlsServer;
before(async () => {
  impostor = await startTlsServer({ hostnames: ['example.test'], certificate: 'other' });
});
after(() => impostor.close());

/** Dials graph.microsoft.com (resolved to the impostor), then upgrades with `upgrade`. */
function upgradeAndSend(upgrade: (socket: net.Socket, cb: () => void) => tls.TLSSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    const raw = net.connect({ host: 'graph.microsoft.com', port: impostor.port, lookup });
    raw.on('error', reject);
    raw.once('connect', () => {
      let socket: tls.TLSSocket;
      try {
        socket = upgrade(raw, () =>
          socket.write(`GET /v1.0/me HTTP/1.1\r\nHost: graph.microsoft.com\r\nAuthorization: ${TOKEN}\r\nConnection: close\r\n\r\n`),
        );
      } catch (error) {
        reject(error);
        return;
      }
      let answer = '';
      socket.on('data', (c: Buffer) => (answer += c));
      socket.on('end', () => resolve(answer.split('\r\n')[0] ?? ''));
      socket.on('error', reject);
    });
  });
}

async function attack(policy: TlsPolicy, run: () => Promise<string>): Promise<void> {
  const events = recordEvents(policy);
  const bytes = impostor.bytesReceived;
  await expectRefused(run()).catch((failure: unknown) => {
    throw new assert.AssertionError({
      message:
        `${(failure as Error).message}; the example.test server received ${impostor.bytesReceived - bytes} application bytes on a ` +
        `socket dialled to graph.microsoft.com; violations: ${JSON.stringify(events.violations.filter((v) => v.kind !== 'weak-runtime').map((v) => [v.kind, v.action]))}`,
    });
  });
  assert.equal(impostor.bytesReceived - bytes, 0);
}

describe('attack: TLS over a socket dialled to graph.microsoft.com, servername outside the scope', () => {
  it('policy.tlsConnect({ socket, servername: "example.test" })', async () => {
    const policy = createTlsPolicy();
    await attack(policy, () =>
      upgradeAndSend((socket, cb) => policy.tlsConnect({ socket, servername: 'example.test', ca: TESTING_CA }, cb)),
    );
  });

  it('installed policy, tls.connect({ socket, servername: "example.test" })', async () => {
    const policy = createTlsPolicy();
    const uninstall = installTlsPolicy(policy);
    try {
      await attack(policy, () => upgradeAndSend((socket, cb) => tls.connect({ socket, servername: 'example.test', ca: TESTING_CA }, cb)));
    } finally {
      uninstall();
    }
  });
});
