import assert, { AssertionError } from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import * as https from 'node:https';
import tls from 'node:tls';
import { describe, it } from 'node:test';
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { createHttpsAgent, isTlsPolicyError } from '../src/index.js';
import {
  expectNegotiated,
  expectRefused,
  findTlsPolicyError,
  issueTestCertificate,
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

  it('refuses a standard certificate that does not cover the names, and bad versions, with ERR_TLS_POLICY_INVALID_OPTION', async () => {
    await assert.rejects(
      startTlsServer({ hostnames: ['a.b.sharepoint.com'], certificate: 'microsoft365' }),
      (e: unknown) => isTlsPolicyError(e) && e.message.startsWith('options.hostnames must be names covered'),
    );
    await assert.rejects(
      startTlsServer({ key: 'dsa' as never }),
      (e: unknown) => isTlsPolicyError(e) && e.message.startsWith('options.key must be'),
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

describe('testing kit: certificates made at run time', () => {
  for (const key of ['ec', 'rsa'] as const) {
    it(`poses as any names and IP addresses (${key} key), verified for real at TLS 1.0 to 1.3`, async () => {
      const server = await startTlsServer({
        hostnames: ['mail.contoso.com', '10.0.0.5', '::1'],
        versions: ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'],
        key,
      });
      try {
        for (const version of ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const) {
          for (const name of ['mail.contoso.com', '10.0.0.5', '::1']) {
            const protocol = await new Promise<string | null>((resolve, reject) => {
              const socket = tls.connect(
                {
                  host: '127.0.0.1',
                  port: server.port,
                  ca: server.ca,
                  minVersion: version,
                  maxVersion: version,
                  ciphers: 'DEFAULT:@SECLEVEL=0',
                  ...(isIP(name) === 0 ? { servername: name } : {}),
                  // The address the certificate must name (the connection itself is to loopback).
                  checkServerIdentity: (_host, cert) => tls.checkServerIdentity(name, cert),
                },
                () => {
                  resolve(socket.authorized ? socket.getProtocol() : null);
                  socket.destroy();
                },
              );
              socket.on('error', reject);
            });
            assert.equal(protocol, version, `${name} at ${version}`);
          }
        }
        const unnamed = await new Promise<string>((resolve) => {
          const socket = tls.connect({ host: '127.0.0.1', port: server.port, ca: server.ca, servername: 'graph.microsoft.com' }, () =>
            resolve('connected'),
          );
          socket.on('error', (e: Error & { code?: string }) => resolve(e.code ?? 'ERROR'));
        });
        assert.equal(unnamed, 'ERR_TLS_CERT_ALTNAME_INVALID', 'a name it was not made for fails verification');
      } finally {
        await server.close();
      }
    });
  }

  it('the CA is made in this process: a certificate signed by it verifies, one made elsewhere does not', () => {
    const ca = new X509Certificate(TESTING_CA);
    assert.ok(ca.ca);
    assert.match(ca.subject, /testing CA/u);
    const leaf = new X509Certificate(issueTestCertificate(['a.b.c.example']).cert);
    assert.ok(leaf.verify(ca.publicKey));
    assert.equal(leaf.checkHost('a.b.c.example'), 'a.b.c.example');
    assert.equal(issueTestCertificate(['a.b.c.example']), issueTestCertificate(['a.b.c.example']), 'made once per process');
  });
});
