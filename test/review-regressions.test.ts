import assert from 'node:assert/strict';
import * as http from 'node:http';
import { describe, it } from 'node:test';
import * as tls from 'node:tls';
import { ProxyAgent } from 'undici';
import { createTlsPolicy, installTlsPolicy, type SecureConnectionEvent } from '../src/index.js';
import { startTlsServer, TESTING_CA } from '../src/testing/index.js';
import { startConnectProxy } from './helpers/connect-proxy.js';

// Found by an outside review of the security fixes; each test failed before its fix.
const TOKEN = 'Bearer review-regressions';

describe('review: healthy Microsoft 365 traffic through a CONNECT proxy under the install', () => {
  it('a CONNECT (tunnel, tunnel-agent, @actions/http-client) is not taken for cleartext: TLS 1.3 through the tunnel', async () => {
    const server = await startTlsServer({ versions: ['TLSv1.3'] });
    const proxy = await startConnectProxy();
    const uninstall = installTlsPolicy({ warnings: false });
    try {
      const protocol = await new Promise<string>((resolve, reject) => {
        const req = http.request({
          host: '127.0.0.1',
          port: proxy.port,
          method: 'CONNECT',
          path: `graph.microsoft.com:${server.port}`,
          agent: false,
          headers: { host: `graph.microsoft.com:${server.port}` },
        });
        req.on('connect', (_res, socket) => {
          const t = tls.connect({ socket, servername: 'graph.microsoft.com', ca: TESTING_CA }, () => {
            resolve(t.getProtocol() ?? 'none');
            t.destroy();
          });
          t.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(protocol, 'TLSv1.3');
      assert.equal(proxy.requests.length, 1);
    } finally {
      uninstall();
      await proxy.close();
      await server.close();
    }
  });

  it("undici's ProxyAgent (Node's fetch behind HTTPS_PROXY uses it) reaches a TLS 1.3 origin", async () => {
    const server = await startTlsServer({ versions: ['TLSv1.3'] });
    const proxy = await startConnectProxy();
    const uninstall = installTlsPolicy({ warnings: false });
    const dispatcher = new ProxyAgent({ uri: proxy.url, requestTls: { ca: TESTING_CA } });
    try {
      const res = await fetch(`https://graph.microsoft.com:${server.port}/`, {
        dispatcher,
        headers: { authorization: TOKEN },
      } as RequestInit);
      assert.equal(await res.text(), 'ok TLSv1.3');
    } finally {
      uninstall();
      await dispatcher.close();
      await proxy.close();
      await server.close();
    }
  });
});

describe('review: a session of an unverified connection is never resumed', () => {
  it('a session issued to a rejectUnauthorized:false connection of another policy does not carry a graph.microsoft.com connection to an impostor', async () => {
    // The impostor holds a valid certificate for example.test only.
    const server = await startTlsServer({ hostnames: ['example.test'], certificate: 'other', versions: ['TLSv1.3'] });
    const other = createTlsPolicy({ hosts: ['contoso.example'], warnings: false });
    const policy = createTlsPolicy({ warnings: false });
    const secure: SecureConnectionEvent[] = [];
    policy.on('secure', (e) => secure.push(e));
    try {
      const session = await new Promise<Buffer | undefined>((resolve) => {
        const s = other.tlsConnect({
          host: '127.0.0.1',
          port: server.port,
          servername: 'graph.microsoft.com',
          ca: TESTING_CA,
          rejectUnauthorized: false,
        });
        let issued: Buffer | undefined;
        s.on('session', (x: Buffer) => {
          issued = x;
          s.destroy();
          resolve(issued);
        });
        s.on('error', () => resolve(issued));
        s.on('close', () => resolve(issued));
      });
      assert.ok(session, 'the other policy let the unverified connection through (out of its scope) and a session was issued');
      const outcome = await new Promise<string>((resolve) => {
        const s = policy.tlsConnect(
          { host: '127.0.0.1', port: server.port, servername: 'graph.microsoft.com', ca: TESTING_CA, session },
          () => {
            resolve(`connected, resumed=${s.isSessionReused()}`);
            s.destroy();
          },
        );
        s.on('error', (e: Error & { code?: string }) => resolve(e.code ?? 'ERROR'));
      });
      assert.equal(outcome, 'ERR_TLS_POLICY_UNVERIFIED');
      assert.deepEqual(secure, []);
    } finally {
      await server.close();
    }
  });
});
