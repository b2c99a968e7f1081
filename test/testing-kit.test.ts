import assert, { AssertionError } from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import * as https from 'node:https';
import tls from 'node:tls';
import { describe, it } from 'node:test';
import { createHttpsAgent, isTlsPolicyError } from '../src/index.js';
import {
  expectNegotiated,
  expectRefused,
  findTlsPolicyError,
  startDowngradeProxy,
  startTlsServer,
  TESTING_CA,
} from '../src/testing/index.js';

function get(url: string, options: https.RequestOptions): Promise<IncomingMessage & { body: string; protocol: string | null }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, options, (res) => {
        const protocol = (res.socket as tls.TLSSocket).getProtocol();
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(Object.assign(res, { body, protocol })));
      })
      .on('error', reject);
  });
}

describe('testing kit: startTlsServer', () => {
  it('poses as graph.microsoft.com on TLS 1.2-1.3 by default, with a verifiable certificate, and records requests', async () => {
    const server = await startTlsServer();
    try {
      assert.equal(server.url('/v1.0/me'), `https://graph.microsoft.com:${server.port}/v1.0/me`);
      assert.equal(server.ca, TESTING_CA);
      const res = await get(server.url('/v1.0/me?$select=id&code=secret'), { ca: server.ca, lookup: server.lookup, agent: false });
      assert.equal(res.body, 'ok TLSv1.3');
      assert.deepEqual(
        server.requests.map((r) => [r.method, r.path, r.protocol, r.servername]),
        [['GET', '/v1.0/me', 'TLSv1.3', 'graph.microsoft.com']],
        'paths are recorded without their query string',
      );
      assert.equal(server.connections, 1);
      assert.ok(server.bytesReceived > 0);
    } finally {
      await server.close();
    }
  });

  it('its lookup resolves only its own hostnames to 127.0.0.1 (other names go to dns.lookup)', async (t) => {
    // A stand-in resolver: no test sends a DNS query off this machine.
    const dnsModule = (await import('node:dns')).default as unknown as { lookup: (...args: unknown[]) => void };
    const realLookup = dnsModule.lookup;
    t.after(() => {
      dnsModule.lookup = realLookup;
    });
    dnsModule.lookup = (...args: unknown[]) => {
      const [host] = args;
      if (host !== 'elsewhere.example' && host !== 'unmapped.example') return realLookup(...args);
      const cb = args[args.length - 1] as (e: Error | null, a?: string, f?: number) => void;
      if (host === 'elsewhere.example') cb(null, '192.0.2.10', 4);
      else cb(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    };
    const server = await startTlsServer({ hostnames: ['outlook.office365.com', 'contoso.sharepoint.com'] });
    try {
      const resolve = (name: string) =>
        new Promise<string>((done) => server.lookup(name, {}, (err, address) => done(err ? `error ${err.code}` : String(address))));
      assert.equal(await resolve('outlook.office365.com'), '127.0.0.1');
      assert.equal(await resolve('CONTOSO.sharepoint.com'), '127.0.0.1');
      assert.equal(await resolve('elsewhere.example'), '192.0.2.10');
      assert.equal(await resolve('unmapped.example'), 'error ENOTFOUND');
    } finally {
      await server.close();
    }
  });

  it('picks the certificate that names no Microsoft 365 host for other names', async () => {
    const server = await startTlsServer({ hostnames: ['api.example.test'] });
    try {
      const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
        const s = tls.connect({ host: 'api.example.test', port: server.port, lookup: server.lookup, ca: server.ca }, () => resolve(s));
        s.on('error', reject);
      });
      assert.equal(socket.getPeerCertificate().subjectaltname?.includes('graph.microsoft.com'), false);
      socket.destroy();
    } finally {
      await server.close();
    }
  });

  it('refuses names its certificates do not cover, and bad versions, with ERR_TLS_POLICY_INVALID_OPTION', async () => {
    await assert.rejects(
      startTlsServer({ hostnames: ['a.b.sharepoint.com'] }),
      (e: unknown) => isTlsPolicyError(e) && e.message.startsWith('options.hostnames must be names covered'),
    );
    await assert.rejects(
      startTlsServer({ versions: ['SSLv3' as never] }),
      (e: unknown) => isTlsPolicyError(e) && e.message.startsWith('options.versions must be'),
    );
    await assert.rejects(
      startDowngradeProxy({ target: 1, attack: 'everything' as never }),
      (e: unknown) => isTlsPolicyError(e) && e.message.startsWith('options.attack must be one of'),
    );
  });
});

describe('testing kit: assertions', () => {
  it('expectRefused resolves with the TlsPolicyError (from any depth of cause) and checks the code', async () => {
    const server = await startTlsServer({ versions: ['TLSv1'] });
    const agent = createHttpsAgent();
    try {
      const error = await expectRefused(get(server.url(), { ca: server.ca, lookup: server.lookup, agent }), 'ERR_TLS_POLICY_VERSION');
      assert.equal(error.code, 'ERR_TLS_POLICY_VERSION');
      await expectRefused(() => Promise.reject(new TypeError('fetch failed', { cause: error })));
      await assert.rejects(
        expectRefused(Promise.reject(error), 'ERR_TLS_POLICY_DOWNGRADE'),
        (e: unknown) => e instanceof AssertionError && /with ERR_TLS_POLICY_DOWNGRADE, got ERR_TLS_POLICY_VERSION/u.test(e.message),
      );
      await assert.rejects(
        expectRefused(Promise.resolve('fine')),
        (e: unknown) => e instanceof AssertionError && /but it succeeded/u.test(e.message),
      );
      await assert.rejects(
        expectRefused(Promise.reject(new Error('ECONNREFUSED'))),
        (e: unknown) => e instanceof AssertionError && /failed otherwise/u.test(e.message),
      );
      assert.equal(findTlsPolicyError({ body: 'x', error: { cause: error } }), error);
    } finally {
      agent.destroy();
      await server.close();
    }
  });

  it('expectNegotiated checks a socket or a response', async () => {
    const server = await startTlsServer({ versions: ['TLSv1.2'] });
    try {
      const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
        const s = tls.connect({ host: 'graph.microsoft.com', port: server.port, lookup: server.lookup, ca: server.ca }, () => resolve(s));
        s.on('error', reject);
      });
      expectNegotiated(socket, 'TLSv1.2');
      assert.throws(
        () => expectNegotiated(socket, 'TLSv1.3'),
        (e: unknown) => e instanceof AssertionError && /expected TLSv1\.3 to be negotiated, got TLSv1\.2/u.test(e.message),
      );
      expectNegotiated({ socket }, 'TLSv1.2');
      assert.throws(() => expectNegotiated({}, 'TLSv1.2'), AssertionError);
      socket.destroy();
    } finally {
      await server.close();
    }
  });
});
