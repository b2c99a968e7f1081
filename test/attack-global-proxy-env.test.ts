import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startTlsServer, TESTING_CA } from '../src/testing/index.js';
import { envWithoutProxySettings, startConnectProxy } from './helpers/connect-proxy.js';

// Attack on the policy agent and dispatcher following Node's current global agent's proxyEnv
// (engine/plan.ts nodeProxyEnv): settings that throw, odd global agents and bad proxy URLs end in
// a typed refusal, never a crash or a hang, and no credential or token reaches any output.

const BEARER = 'Bearer eyJ0eXAiOiJKV1Qi.attack-today-secret';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGE = pathToFileURL(join(ROOT, 'dist/esm/index.js')).href;
// The Node.js running the suite (CI runs it on 20, 22, 24 and 26): the policy follows a global
// agent's proxyEnv only where Node's agents honour it (22.21+, 24.5+, 25+).
const [MAJOR = 0, MINOR = 0] = process.versions.node.split('.').map(Number);
const HONOURS_PROXY_ENV = MAJOR >= 25 || (MAJOR === 24 && MINOR >= 5) || (MAJOR === 22 && MINOR >= 21);
const NODES: [string, string][] = HONOURS_PROXY_ENV ? [[String(MAJOR), process.execPath]] : [];

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
// The first request's connection is planned before SETUP runs: the agent's createConnection is
// called inside https.get, and undici calls the connector inside fetch() (checked on Node 24).
const first = one();
const second = client === 'agent' ? one() : undefined;
new Function('https', 'http', setup)(https, http);
const results = [await first, await (second ?? one())];
clearTimeout(timer);
console.log(JSON.stringify({ result: results[1], results, events }));
process.exit(0);
`;

describe("attack 3: the policy's clients following https.globalAgent.options.proxyEnv", {
  skip: NODES.length === 0 ? `agents honour proxyEnv from Node.js 22.21/24.5 on (this is ${process.version})` : false,
}, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'm365-attack-today-'));
    writeFileSync(join(dir, 'app.mjs'), APP);
    writeFileSync(join(dir, 'ca.pem'), TESTING_CA);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function run(
    node: string,
    client: 'agent' | 'dispatcher',
    setup: string,
    versions: ('TLSv1' | 'TLSv1.3')[],
    env: Record<string, string> = {},
    requireAuth?: string,
  ) {
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
      const childEnv = envWithoutProxySettings();
      Object.assign(childEnv, {
        NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
        PROXY_URL: proxy.url,
        PROXY_PORT: String(proxy.port),
        PROBE: JSON.stringify({ client, port: server.port, setup }),
        ...env,
      });
      const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
        execFile(node, [join(dir, 'app.mjs')], { cwd: ROOT, env: childEnv, timeout: 20_000 }, (_e, stdout, stderr) =>
          resolve({ stdout, stderr }),
        );
      });
      const lines = stdout.trim().split('\n');
      const out = JSON.parse(lines[lines.length - 1] || 'null') as {
        result?: string;
        results?: string[];
        events?: string[];
        hang?: boolean;
        uncaught?: string;
      } | null;
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
        assert.ok(
          r.out.result === 'ok TLSv1.3' || /^ERR_TLS_POLICY/u.test(r.out.result ?? ''),
          `outcome (want a typed refusal or a connection): ${r.out.result}`,
        );
      });

      it(`Node ${version} ${client}: globalAgent replaced by a non-object / a Proxy env that throws on read`, async () => {
        for (const setup of [
          `https.globalAgent = 42;`,
          `https.globalAgent = null;`,
          `Object.defineProperty(https, 'globalAgent', { get() { throw new Error('boom globalAgent'); }, configurable: true });`,
          // (Node's own Agent reads proxyEnv in its constructor and would throw in this setup line
          // itself, before any policy code runs: an agent-like object gets the throwing env to us.)
          `https.globalAgent = { options: { proxyEnv: new Proxy({}, { get() { throw new Error('boom env'); } }) } };`,
        ]) {
          const r = await run(node, client, setup, ['TLSv1.3']);
          assert.equal(r.out.hang, undefined, `${setup}: no hang`);
          assert.equal(r.out.uncaught, undefined, `BREAK ${setup}: the process died of an uncaught exception: ${r.out.uncaught}`);
          assert.ok(
            r.out.result === 'ok TLSv1.3' || /^ERR_TLS_POLICY/u.test(r.out.result ?? ''),
            `${setup}: outcome (want a typed refusal or a connection) ${r.out.result}`,
          );
        }
      });

      it(`Node ${version} ${client}: socks5:// and malformed proxy URLs with credentials: refused, no secret anywhere`, async () => {
        for (const url of ['socks5://user:s3cretPW@127.0.0.1:1080', 'http://user:s3cretPW@[bad', 'http://user:s3cret%ZZPW@127.0.0.1:1']) {
          // Node's Agent refuses a malformed URL at construction, so an agent-like object carries it.
          const r = await run(node, client, `https.globalAgent = { options: { proxyEnv: { HTTPS_PROXY: ${JSON.stringify(url)} } } };`, [
            'TLSv1.3',
          ]);
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
        assert.deepEqual(
          r.out.results?.map((x) => x.split(' ')[0]),
          ['ERR_TLS_POLICY_VERSION', 'ERR_TLS_POLICY_VERSION'],
        );
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
