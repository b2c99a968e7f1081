import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureDebug } from './helpers/debug-capture.js';
import { createFetchDispatcher, createHttpsAgent, createTlsPolicy, isTlsPolicyError } from '../src/index.js';
import { request } from './helpers/client.js';
import { startConnectProxy } from './helpers/connect-proxy.js';
import { recordEvents } from './helpers/events.js';
import { CA } from './helpers/fixtures.js';
import { withServers } from './helpers/tls-server.js';

const CREDENTIALS = 'svc-user:pr0xy-S3CRET';
const BASIC = `Basic ${Buffer.from(CREDENTIALS).toString('base64')}`;

describe('https agent through a CONNECT proxy', () => {
  it('applies the policy to the origin: TLS 1.1 behind the proxy is refused, zero bytes reach it', async () => {
    const proxy = await startConnectProxy();
    try {
      await withServers([{ versions: ['TLSv1.1'] }], async ([origin]) => {
        const policy = createTlsPolicy();
        const events = recordEvents(policy);
        const agent = createHttpsAgent({ policy, proxy: proxy.url, ca: CA });
        const outcome = await request(agent, 'graph.microsoft.com', origin!.port, { lookup: undefined, ca: undefined });
        assert.ok(isTlsPolicyError(outcome.error), String(outcome.error));
        assert.equal(outcome.error.code, 'ERR_TLS_POLICY_VERSION');
        assert.equal(origin!.bytesReceived, 0);
        assert.deepEqual(proxy.requests, [`CONNECT graph.microsoft.com:${origin!.port} HTTP/1.1`]);
        assert.deepEqual(
          events.violations.map((v) => v.kind),
          ['legacy-server'],
        );
        agent.destroy();
      });
    } finally {
      await proxy.close();
    }
  });

  it('serves a TLS 1.3 origin; the proxy sees only CONNECT and TLS records; credentials go in Proxy-Authorization and nowhere else', async (t) => {
    const lines = captureDebug(t);
    const proxy = await startConnectProxy(BASIC);
    try {
      await withServers([{ versions: ['TLSv1.3'] }], async ([origin]) => {
        const agent = createHttpsAgent({ proxy: `http://${CREDENTIALS}@127.0.0.1:${proxy.port}`, ca: CA });
        const outcome = await request(agent, 'graph.microsoft.com', origin!.port, { lookup: undefined, ca: undefined });
        assert.equal(outcome.body, 'ok TLSv1.3', String(outcome.error));
        assert.deepEqual(proxy.authorizations, [BASIC]);
        assert.deepEqual(proxy.firstTunnelBytes, [0x16]);
        assert.ok(lines.some((l) => l.includes('m365-tls-policy:connection')));
        assert.equal(lines.join('\n').includes('pr0xy-S3CRET'), false);
        agent.destroy();
      });
    } finally {
      await proxy.close();
    }
  });

  it('a proxy that refuses CONNECT (407) fails with ERR_PROXY_TUNNEL and no credentials in the message', async () => {
    const proxy = await startConnectProxy('Basic something-else');
    try {
      const agent = createHttpsAgent({ proxy: `http://${CREDENTIALS}@127.0.0.1:${proxy.port}` });
      const outcome = await request(agent, 'graph.microsoft.com', 443, { lookup: undefined });
      assert.equal(outcome.error?.code, 'ERR_PROXY_TUNNEL');
      assert.equal((outcome.error as { statusCode?: number }).statusCode, 407);
      assert.equal(String(outcome.error?.message).includes('S3CRET'), false);
      agent.destroy();
    } finally {
      await proxy.close();
    }
  });

  it('proxy: true reads HTTPS_PROXY and honours NO_PROXY', async (t) => {
    const saved = { https: process.env['HTTPS_PROXY'], no: process.env['NO_PROXY'] };
    t.after(() => {
      for (const [k, v] of [
        ['HTTPS_PROXY', saved.https],
        ['NO_PROXY', saved.no],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });
    const proxy = await startConnectProxy();
    try {
      await withServers([{ versions: ['TLSv1.3'] }], async ([origin]) => {
        process.env['HTTPS_PROXY'] = proxy.url;
        process.env['NO_PROXY'] = 'localhost,.sharepoint.com';
        const agent = createHttpsAgent({ proxy: true, ca: CA, keepAlive: false });
        assert.equal((await request(agent, 'graph.microsoft.com', origin!.port, { lookup: undefined, ca: undefined })).body, 'ok TLSv1.3');
        assert.equal(proxy.requests.length, 1, 'graph.microsoft.com went through the proxy');
        const direct = await request(agent, 'contoso.sharepoint.com', origin!.port);
        assert.equal(direct.body, 'ok TLSv1.3');
        assert.equal(proxy.requests.length, 1, 'contoso.sharepoint.com matched NO_PROXY and went direct');
        agent.destroy();
      });
    } finally {
      await proxy.close();
    }
  });

  it('rejects a malformed proxy option at creation', () => {
    assert.throws(
      () => createHttpsAgent({ proxy: 'socks5://proxy:1080' }),
      (e: unknown) => isTlsPolicyError(e) && e.message.startsWith('options.proxy must be an http: or https: proxy URL'),
    );
    assert.throws(
      () => createHttpsAgent({ proxy: 3128 as never }),
      (e: unknown) => isTlsPolicyError(e) && e.code === 'ERR_TLS_POLICY_INVALID_OPTION',
    );
    assert.throws(
      () => createHttpsAgent({ proxyEnv: 'http://proxy:3128' as never }),
      (e: unknown) => isTlsPolicyError(e) && e.message.startsWith('options.proxyEnv must be an object'),
    );
  });

  it('a malformed proxy variable fails the request with a TlsPolicyError naming it, nothing is sent', async () => {
    await withServers([{ versions: ['TLSv1.3'] }], async ([origin]) => {
      const agent = createHttpsAgent({ proxyEnv: { https_proxy: 'socks5://proxy:1080', HTTPS_PROXY: 'http://127.0.0.1:1' }, ca: CA });
      const outcome = await request(agent, 'graph.microsoft.com', origin!.port);
      assert.ok(isTlsPolicyError(outcome.error), String(outcome.error));
      assert.equal(outcome.error.code, 'ERR_TLS_POLICY_INVALID_OPTION');
      assert.match(outcome.error.message, /^https_proxy must be an http: or https: proxy URL/u);
      assert.equal(origin!.connections, 0);
      agent.destroy();
    });
  });
});

describe('fetch dispatcher through a CONNECT proxy', () => {
  it('refuses a TLS 1.1 origin and serves a TLS 1.3 one; connect options (ca) still mean the origin', async () => {
    const proxy = await startConnectProxy();
    try {
      await withServers([{ versions: ['TLSv1.1'] }, { versions: ['TLSv1.3'] }], async ([legacy, modern]) => {
        const dispatcher = createFetchDispatcher({ proxy: proxy.url, connect: { ca: CA } });
        const refused = await fetch(`https://graph.microsoft.com:${legacy!.port}/`, { dispatcher } as RequestInit).catch((e: Error) => e);
        assert.ok(refused instanceof TypeError);
        assert.equal((refused.cause as { code?: string }).code, 'ERR_TLS_POLICY_VERSION');
        assert.equal(legacy!.bytesReceived, 0);
        const res = await fetch(`https://graph.microsoft.com:${modern!.port}/`, { dispatcher } as RequestInit);
        assert.equal(await res.text(), 'ok TLSv1.3');
        assert.deepEqual(
          proxy.requests.map((r) => r.replace(/:\d+ /u, ':PORT ')),
          ['CONNECT graph.microsoft.com:PORT HTTP/1.1', 'CONNECT graph.microsoft.com:PORT HTTP/1.1'],
        );
        await dispatcher.close();
      });
    } finally {
      await proxy.close();
    }
  });
});

describe('an error thrown while the TLS connection is set up over the tunnel', () => {
  // Node's tls.connect throws on a key it cannot read; through a proxy that happens in a promise
  // callback, where a throw would be an unhandled rejection (which ends the process).
  for (const client of ['agent', 'dispatcher'] as const) {
    it(`${client}: reaches the request as an error, not an unhandled rejection`, { timeout: 10_000 }, async () => {
      const proxy = await startConnectProxy();
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        await withServers([{ versions: ['TLSv1.3'], hostnames: ['example.test'], cert: 'other' }], async ([origin]) => {
          const bad = { key: 'not a key', cert: 'not a certificate' };
          let code: unknown;
          if (client === 'agent') {
            const agent = createHttpsAgent({ proxy: proxy.url, ca: CA, ...bad });
            const outcome = await request(agent, 'example.test', origin!.port, { lookup: undefined, ca: undefined });
            code = (outcome.error as { code?: string } | undefined)?.code;
            agent.destroy();
          } else {
            const dispatcher = createFetchDispatcher({ proxy: proxy.url, connect: { ca: CA, ...bad } });
            code = await fetch(`https://example.test:${origin!.port}/`, { dispatcher } as RequestInit).then(
              () => 'served',
              (error: { cause?: { code?: string } }) => error.cause?.code,
            );
            await dispatcher.close();
          }
          assert.match(String(code), /^ERR_OSSL_/u, `the request failed with the key error: ${String(code)}`);
          assert.equal(proxy.requests.length, 1, 'the tunnel was opened (the error came after it)');
          assert.equal(origin!.bytesReceived, 0);
        });
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(unhandled, []);
      } finally {
        process.off('unhandledRejection', onUnhandled);
        await proxy.close();
      }
    });
  }
});

describe('maxSockets through a proxy', () => {
  it('tunnels being set up count against maxSockets: 8 concurrent requests, maxSockets 2, never more than 2 tunnels', async () => {
    const proxy = await startConnectProxy();
    try {
      await withServers([{ versions: ['TLSv1.3'] }], async ([origin]) => {
        const agent = createHttpsAgent({ proxy: proxy.url, ca: CA, maxSockets: 2 });
        const outcomes = await Promise.all(
          Array.from({ length: 8 }, () => request(agent, 'graph.microsoft.com', origin!.port, { lookup: undefined, ca: undefined })),
        );
        assert.deepEqual(
          outcomes.map((o) => o.body),
          Array(8).fill('ok TLSv1.3'),
        );
        assert.equal(proxy.requests.length, 2, 'two tunnels, reused by keep-alive for the rest');
        assert.equal(origin!.connections, 2);
        agent.destroy();
      });
    } finally {
      await proxy.close();
    }
  });
});
