import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { describe, it } from 'node:test';
import { createTlsPolicy, installTlsPolicy } from '../src/index.js';
import { OTHER_LEAF } from '../src/testing/index.js';
import { recordEvents } from './helpers/events.js';
import { lookup } from './helpers/fixtures.js';

// Attack: node:http2 under a process-wide install. A ClientHttp2Session never passes through the
// http/undici request seams, so the install judges ClientHttp2Session#request itself
// (process/http2-hook.ts). Found by an outside attack on the engine:
//  1. a session opened before installTlsPolicy() (here: TLS 1.2 to a server whose certificate
//     does not name graph.microsoft.com, rejectUnauthorized: false) must carry no request,
//     Authorization header included, after the install;
//  2. h2c (`http2.connect('http://graph.microsoft.com')`) is cleartext to an in-scope host,
//     refused as for http: and undici.

const TOKEN = 'Bearer node-http2-token';

interface H2Server {
  readonly port: number;
  readonly authorizations: (string | undefined)[];
  close(): Promise<void>;
}

async function startH2Server(secure: boolean): Promise<H2Server> {
  const state = { authorizations: [] as (string | undefined)[] };
  const sockets = new Set<Socket>();
  const server = secure ? http2.createSecureServer({ ...OTHER_LEAF, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }) : http2.createServer();
  server.on(secure ? 'secureConnection' : 'connection', (socket: Socket) => {
    sockets.add(socket);
  });
  server.on('stream', (stream, headers) => {
    state.authorizations.push(headers.authorization);
    stream.respond({ ':status': 200 });
    stream.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    authorizations: state.authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function request(session: http2.ClientHttp2Session): Promise<string> {
  return new Promise((resolve) => {
    let req: http2.ClientHttp2Stream;
    try {
      req = session.request({ ':path': '/v1.0/me', authorization: TOKEN });
    } catch (error) {
      // A session that cannot carry the request throws, as Node does for a destroyed one.
      resolve(`error ${(error as { code?: string }).code ?? String(error)}`);
      return;
    }
    req.on('response', (headers) => {
      req.resume();
      req.on('end', () => resolve(`status ${headers[':status']}`));
    });
    req.on('error', (error: Error & { code?: string }) => resolve(`error ${error.code ?? error.message}`));
    req.end();
  });
}

describe('attack: node:http2 under installTlsPolicy()', () => {
  it('a ClientHttp2Session opened before the install (unverified TLS 1.2 peer) carries no request after it', async () => {
    const server = await startH2Server(true);
    const session = http2.connect(`https://graph.microsoft.com:${server.port}`, { lookup, rejectUnauthorized: false });
    session.on('error', () => {});
    const policy = createTlsPolicy();
    let uninstall: (() => void) | undefined;
    try {
      assert.equal(await request(session), 'status 200', 'baseline: before the install the request goes through');
      const events = recordEvents(policy);
      uninstall = installTlsPolicy(policy);
      const seenAtInstall = server.authorizations.length;
      const outcome = await request(session);
      assert.equal(outcome, 'error ERR_TLS_POLICY_UNVERIFIED', 'refused by the policy, before the HEADERS frame');
      const sent = server.authorizations.length - seenAtInstall;
      assert.equal(
        sent,
        0,
        `after the install the pre-install session delivered ${sent} request(s) (${outcome}); the server saw authorization headers ${JSON.stringify(server.authorizations)}; ` +
          `violations: ${JSON.stringify(events.violations.filter((v) => v.kind !== 'weak-runtime').map((v) => [v.kind, v.action]))}`,
      );
    } finally {
      uninstall?.();
      session.destroy();
      await server.close();
    }
  });

  it('h2c (http2.connect with http:) to graph.microsoft.com is refused before the token leaves', async () => {
    const server = await startH2Server(false);
    const policy = createTlsPolicy();
    const events = recordEvents(policy);
    const uninstall = installTlsPolicy(policy);
    const session = http2.connect(`http://graph.microsoft.com:${server.port}`, { lookup });
    session.on('error', () => {});
    try {
      const outcome = await request(session);
      assert.equal(outcome, 'error ERR_TLS_POLICY_INSECURE_OPTIONS');
      const violations = events.violations.filter((v) => v.kind !== 'weak-runtime');
      assert.equal(
        server.authorizations.length,
        0,
        `the cleartext server answered (${outcome}) and received authorization headers ${JSON.stringify(server.authorizations)}; ` +
          `violations: ${JSON.stringify(violations.map((v) => [v.kind, v.action]))}`,
      );
      assert.ok(
        violations.some((v) => v.kind === 'insecure-options' && v.action === 'blocked'),
        'reported as cleartext, like http: and undici',
      );
    } finally {
      session.destroy();
      uninstall();
      await server.close();
    }
  });
});
