import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as undici7 from 'undici';
import * as undici6 from 'undici6';
import { checkTlsPolicy, createFetchDispatcher, createTlsPolicy, isTlsPolicyError, type UndiciModule } from '../src/index.js';
import { startDowngradeProxy } from '../src/testing/index.js';
import { recordEvents } from './helpers/events.js';
import { CA, lookup } from './helpers/fixtures.js';
import { withServers } from './helpers/tls-server.js';

type FetchFn = (
  url: string,
  init: { dispatcher: unknown; method?: string; headers?: Record<string, string>; body?: string },
) => Promise<{ text(): Promise<string> }>;
const FETCHES: Array<[string, FetchFn, UndiciModule]> = [
  ["Node's built-in fetch", globalThis.fetch as unknown as FetchFn, undici7 as unknown as UndiciModule],
  ["undici 7's fetch", undici7.fetch as unknown as FetchFn, undici7 as unknown as UndiciModule],
  ["undici 6's fetch", undici6.fetch as unknown as FetchFn, undici6 as unknown as UndiciModule],
];

async function attempt(
  fetchFn: FetchFn,
  url: string,
  dispatcher: unknown,
  post = true,
): Promise<{ body?: string; error?: Error & { cause?: unknown } }> {
  try {
    const init = post ? { method: 'POST', headers: { authorization: 'Bearer secret' }, body: 'payload' } : {};
    const res = await fetchFn(url, { dispatcher, ...init });
    return { body: await res.text() };
  } catch (error) {
    return { error: error as Error };
  }
}

for (const [name, fetchFn, undici] of FETCHES) {
  describe(`createFetchDispatcher with ${name}`, () => {
    const make = (policy = createTlsPolicy()) => createFetchDispatcher({ policy, connect: { ca: CA, lookup }, undici });

    it('refuses a TLSv1 Microsoft 365 host: TypeError whose cause is ERR_TLS_POLICY_VERSION, zero bytes sent', async () => {
      await withServers([{ versions: ['TLSv1'] }], async ([server]) => {
        const policy = createTlsPolicy();
        const events = recordEvents(policy);
        const dispatcher = make(policy);
        const outcome = await attempt(fetchFn, `https://graph.microsoft.com:${server!.port}/v1.0/me`, dispatcher);
        assert.ok(outcome.error instanceof TypeError, String(outcome.error ?? outcome.body));
        assert.ok(isTlsPolicyError(outcome.error.cause), String(outcome.error.cause));
        assert.equal(outcome.error.cause.code, 'ERR_TLS_POLICY_VERSION');
        assert.equal(server!.bytesReceived, 0);
        assert.deepEqual(
          events.violations.map((v) => [v.kind, v.action]),
          [['legacy-server', 'blocked']],
        );
        await (dispatcher as { close(): Promise<void> }).close();
      });
    });

    it('serves a TLS 1.3 host, reusing connections exactly as a plain undici Agent does', async () => {
      await withServers([{ versions: ['TLSv1.2', 'TLSv1.3'] }, { versions: ['TLSv1.2', 'TLSv1.3'] }], async ([server, baseline]) => {
        const policy = createTlsPolicy();
        const events = recordEvents(policy);
        const dispatcher = make(policy);
        const plain = new (undici.Agent as unknown as typeof undici7.Agent)({ connect: { ca: CA, lookup } });
        for (let i = 0; i < 4; i++) {
          assert.equal((await attempt(fetchFn, `https://graph.microsoft.com:${server!.port}/`, dispatcher, false)).body, 'ok TLSv1.3');
          assert.equal((await attempt(fetchFn, `https://graph.microsoft.com:${baseline!.port}/`, plain, false)).body, 'ok TLSv1.3');
        }
        assert.ok(server!.connections < 4, `connections are reused (${server!.connections} for 4 requests)`);
        assert.equal(server!.connections, baseline!.connections);
        assert.equal(events.secure.length, server!.connections);
        await Promise.all([(dispatcher as { close(): Promise<void> }).close(), plain.close()]);
      });
    });

    it('refuses an active downgrade with ERR_TLS_POLICY_DOWNGRADE', async () => {
      await withServers([{ versions: ['TLSv1.2', 'TLSv1.3'] }], async ([server]) => {
        const relay = await startDowngradeProxy({ target: server!.port, attack: 'strip-tls13' });
        try {
          const dispatcher = make();
          const outcome = await attempt(fetchFn, `https://graph.microsoft.com:${relay.port}/`, dispatcher);
          assert.equal(relay.attacked, 1);
          assert.equal((outcome.error?.cause as { code?: string } | undefined)?.code, 'ERR_TLS_POLICY_DOWNGRADE');
          assert.equal(server!.bytesReceived, 0);
          await (dispatcher as { close(): Promise<void> }).close();
        } finally {
          await relay.close();
        }
      });
    });
  });
}

describe('createFetchDispatcher options and scope', () => {
  it('weakening connect options are overridden (a TLSv1 server stays refused) and reported', async () => {
    await withServers([{ versions: ['TLSv1'] }], async ([server]) => {
      const policy = createTlsPolicy();
      const events = recordEvents(policy);
      const dispatcher = createFetchDispatcher({
        policy,
        connect: { ca: CA, lookup, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0', rejectUnauthorized: false },
      });
      const outcome = await attempt(globalThis.fetch as unknown as FetchFn, `https://graph.microsoft.com:${server!.port}/`, dispatcher);
      assert.equal((outcome.error?.cause as { code?: string } | undefined)?.code, 'ERR_TLS_POLICY_VERSION');
      assert.deepEqual(events.violations.find((v) => v.kind === 'insecure-options')?.options, [
        'minVersion',
        'ciphers',
        'rejectUnauthorized',
      ]);
      await dispatcher.close();
    });
  });

  it('the same weak options reach an out-of-scope TLSv1 host untouched', async () => {
    await withServers([{ versions: ['TLSv1'], cert: 'other' }], async ([server]) => {
      const dispatcher = createFetchDispatcher({ connect: { ca: CA, lookup, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' } });
      const outcome = await attempt(globalThis.fetch as unknown as FetchFn, `https://api.example.test:${server!.port}/`, dispatcher);
      assert.equal(outcome.body, 'ok TLSv1');
      await dispatcher.close();
    });
  });

  it('cleartext http: to an in-scope host is refused before connecting', async () => {
    const dispatcher = createFetchDispatcher({ connect: { lookup } });
    const outcome = await attempt(globalThis.fetch as unknown as FetchFn, 'http://graph.microsoft.com/', dispatcher);
    assert.ok(isTlsPolicyError(outcome.error?.cause));
    assert.equal((outcome.error.cause as { code: string }).code, 'ERR_TLS_POLICY_INSECURE_OPTIONS');
    await dispatcher.close();
  });

  it('works as the global dispatcher of undici', async (t) => {
    const previous = undici7.getGlobalDispatcher();
    t.after(() => undici7.setGlobalDispatcher(previous));
    await withServers([{ versions: ['TLSv1.1'] }], async ([server]) => {
      undici7.setGlobalDispatcher(createFetchDispatcher({ connect: { ca: CA, lookup } }) as unknown as undici7.Dispatcher);
      await assert.rejects(undici7.fetch(`https://graph.microsoft.com:${server!.port}/`), (e: Error) => isTlsPolicyError(e.cause));
    });
  });

  it('the checker passes a policy dispatcher and fails a plain undici Agent (its options are private)', async () => {
    const good = createFetchDispatcher();
    const plain = new undici7.Agent();
    assert.equal(checkTlsPolicy(good as never).ok, true);
    assert.deepEqual(checkTlsPolicy(plain as never).violations[0]?.options, ['dispatcher']);
    await Promise.all([good.close(), plain.close()]);
  });

  it('rejects a connector function and a non-undici module', () => {
    assert.throws(
      () => createFetchDispatcher({ connect: (() => undefined) as never }),
      (e: unknown) => isTlsPolicyError(e) && e.message.startsWith('options.connect must be'),
    );
    assert.throws(
      () => createFetchDispatcher({ undici: {} as never }),
      (e: unknown) => isTlsPolicyError(e) && e.message.startsWith('options.undici must be'),
    );
  });
});
