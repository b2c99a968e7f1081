import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { envWithoutProxySettings, startConnectProxy } from './helpers/connect-proxy.js';
import { CA } from './helpers/fixtures.js';
import { startTlsServer } from './helpers/tls-server.js';

// Node's built-in env proxy (NODE_USE_ENV_PROXY=1 or --use-env-proxy, with HTTPS_PROXY and
// NO_PROXY), read once at start-up: so every case is a child process with its own environment.
// The proxy tunnels to 127.0.0.1, so the origins keep their Microsoft 365 name end to end.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGE = pathToFileURL(join(ROOT, 'dist/esm/index.js')).href;
const [MAJOR = 0, MINOR = 0] = process.versions.node.split('.').map(Number);
const HAS_ENV_PROXY = MAJOR >= 25 || (MAJOR === 24 && MINOR >= 5) || (MAJOR === 22 && MINOR >= 21);
const SKIP = HAS_ENV_PROXY ? false : `NODE_USE_ENV_PROXY needs Node.js 22.21+/24.5+ (this is ${process.version})`;
const SKIP_SET_GLOBAL =
  typeof (http as { setGlobalProxyFromEnv?: unknown }).setGlobalProxyFromEnv === 'function'
    ? false
    : `http.setGlobalProxyFromEnv() needs Node.js 24.14+/25.4+ (this is ${process.version})`;

// One request per client and port, with a bearer token; prints the outcomes and the violations.
const APP = `
import * as http from 'node:http';
import * as https from 'node:https';
import { createFetchDispatcher, createHttpsAgent, createTlsPolicy, installedTlsPolicy } from '${PACKAGE}';
const { client, ports, options, setGlobal } = JSON.parse(process.env.PROBE);
const policy = installedTlsPolicy() ?? createTlsPolicy();
const violations = [];
policy.on('violation', (v) => violations.push(v.kind));
const lookup = (h, o, cb) => (o && o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4));
const headers = { authorization: 'Bearer eyJ0eXAiOiJKV1Qi.secret' };
const code = (e) => e.code ?? e.cause?.code ?? e.message;
const agent = client === 'agent' ? createHttpsAgent({ policy, lookup, ...options }) : undefined;
const dispatcher = client === 'dispatcher' ? createFetchDispatcher({ policy, connect: { lookup }, ...options }) : undefined;
// http.setGlobalProxyFromEnv() (Node.js 24.14+, 25.4+) at run time, after the clients were made;
// 'restored' calls its restore function straight away.
if (setGlobal) {
  const restore = http.setGlobalProxyFromEnv();
  if (setGlobal === 'restored') restore();
}
const viaNode = (mod, port) => new Promise((resolve) => {
  mod.get({ host: 'graph.microsoft.com', port, agent, headers, ...(agent ? {} : { lookup }) }, (res) => {
    let body = '';
    res.on('data', (c) => (body += c));
    res.on('end', () => resolve(body));
  }).on('error', (e) => resolve(code(e)));
});
const viaFetch = (scheme, port) =>
  fetch(scheme + '://graph.microsoft.com:' + port + '/', { headers, dispatcher }).then((r) => r.text(), (e) => code(e));
const one = (port) =>
  client === 'http' ? viaNode(http, port) : client === 'fetch-http' ? viaFetch('http', port)
    : client === 'fetch' || client === 'dispatcher' ? viaFetch('https', port) : viaNode(https, port);
const results = [];
for (const port of ports) results.push(await one(port));
console.log(JSON.stringify({ results, violations }));
process.exit(0);
`;

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'm365-tls-policy-env-proxy-'));
  writeFileSync(join(dir, 'app.mjs'), APP);
  writeFileSync(join(dir, 'ca.pem'), CA);
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Probe {
  client: 'https' | 'fetch' | 'agent' | 'dispatcher' | 'http' | 'fetch-http';
  options?: Record<string, unknown>;
  args?: string[];
  env?: Record<string, string>;
  /** Set HTTPS_PROXY/HTTP_PROXY to the proxy (default true). */
  proxied?: boolean;
  /** Call http.setGlobalProxyFromEnv() in the app after making its clients (and restore it at once). */
  setGlobal?: 'on' | 'restored';
}

interface Run {
  results: string[];
  violations: string[];
  /** Request lines the proxy received. */
  proxy: string[];
  legacyBytes: number;
  modernBytes: number;
}

/** Runs the app against a TLS 1.1 and a TLS 1.3 origin (in that order) behind a fresh CONNECT proxy. */
async function probe(p: Probe): Promise<Run> {
  const proxy = await startConnectProxy();
  const legacy = await startTlsServer({ versions: ['TLSv1.1'] });
  const modern = await startTlsServer({ versions: ['TLSv1.3'] });
  try {
    // The runner's own proxy settings never leak into the child: only what the case sets.
    const env = envWithoutProxySettings();
    Object.assign(env, {
      NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
      DEBUG: '',
      PROBE: JSON.stringify({ client: p.client, ports: [legacy.port, modern.port], options: p.options ?? {}, setGlobal: p.setGlobal }),
      ...(p.proxied === false ? {} : { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url }),
      ...p.env,
    });
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [...(p.args ?? []), join(dir, 'app.mjs')], { cwd: ROOT, env, timeout: 30_000 }, (_e, stdout, stderr) =>
        resolve({ stdout, stderr }),
      );
    });
    const out = JSON.parse(stdout.trim() || 'null') as { results: string[]; violations: string[] } | null;
    assert.ok(out, `the app printed nothing: ${stderr}`);
    return { ...out, proxy: [...proxy.requests], legacyBytes: legacy.bytesReceived, modernBytes: modern.bytesReceived };
  } finally {
    await Promise.all([proxy.close(), legacy.close(), modern.close()]);
  }
}

const REGISTER = ['--import', 'm365-tls-policy/register'];
const REFUSED_AND_SERVED = ['ERR_TLS_POLICY_VERSION', 'ok TLSv1.3'];
const CONNECTS = (r: Run): string[] => r.proxy.map((line) => line.replace(/:\d+ /u, ':PORT '));
const TWO_TUNNELS = ['CONNECT graph.microsoft.com:PORT HTTP/1.1', 'CONNECT graph.microsoft.com:PORT HTTP/1.1'];

describe("process-wide install with Node's env proxy: the policy judges the origin through Node's tunnel", { skip: SKIP }, () => {
  for (const client of ['https', 'fetch'] as const) {
    it(`${client === 'https' ? 'https.get (the global agent)' : 'fetch (EnvHttpProxyAgent)'}: TLS 1.1 origin refused, zero bytes; TLS 1.3 answers`, async () => {
      const r = await probe({ client, args: REGISTER, env: { NODE_USE_ENV_PROXY: '1' } });
      assert.deepEqual(r.results, REFUSED_AND_SERVED);
      assert.deepEqual(r.violations, ['legacy-server']);
      assert.equal(r.legacyBytes, 0, 'not a byte of the request (or its token) reached the legacy origin');
      assert.deepEqual(CONNECTS(r), TWO_TUNNELS, 'both went through the proxy');
    });
  }

  it('--use-env-proxy (the flag, not the variable) is the same', async () => {
    const r = await probe({ client: 'https', args: ['--use-env-proxy', ...REGISTER] });
    assert.deepEqual(r.results, REFUSED_AND_SERVED);
    assert.deepEqual(CONNECTS(r), TWO_TUNNELS);
  });

  it('cleartext http: to an in-scope host through HTTP_PROXY is refused before the proxy sees the request', async () => {
    const r = await probe({ client: 'http', args: REGISTER, env: { NODE_USE_ENV_PROXY: '1' } });
    assert.deepEqual(r.results, ['ERR_TLS_POLICY_INSECURE_OPTIONS', 'ERR_TLS_POLICY_INSECURE_OPTIONS']);
    assert.deepEqual(r.proxy, [], 'no absolute-form request (with its Authorization header) reached the proxy');
    assert.equal(r.legacyBytes + r.modernBytes, 0);
  });

  it('cleartext fetch to an in-scope host through HTTP_PROXY is refused: no request bytes reach the origin', async () => {
    const r = await probe({ client: 'fetch-http', args: REGISTER, env: { NODE_USE_ENV_PROXY: '1' } });
    assert.deepEqual(r.results, ['ERR_TLS_POLICY_INSECURE_OPTIONS', 'ERR_TLS_POLICY_INSECURE_OPTIONS']);
    assert.deepEqual(r.violations, ['insecure-options', 'insecure-options']);
    // Older undici asks the proxy for a tunnel first (a CONNECT line names the host, as for
    // https), newer undici sends absolute-form requests to the proxy: either way the request
    // itself is refused before undici writes it, and the proxy never sees it.
    assert.deepEqual(
      r.proxy.filter((line) => !line.startsWith('CONNECT graph.microsoft.com:')),
      [],
    );
    assert.equal(r.legacyBytes + r.modernBytes, 0);
  });

  it('without the install the same process reaches the TLS 1.1 origin through the proxy (the test can fail)', async () => {
    const r = await probe({
      client: 'https',
      env: { NODE_USE_ENV_PROXY: '1', NODE_OPTIONS: '--tls-min-v1.0 --tls-cipher-list=DEFAULT@SECLEVEL=0' },
    });
    assert.deepEqual(r.results, ['ok TLSv1.1', 'ok TLSv1.3']);
    assert.ok(r.legacyBytes > 0);
    assert.deepEqual(CONNECTS(r), TWO_TUNNELS);
  });
});

describe("the policy agent and dispatcher follow Node's env proxy instead of bypassing it", { skip: SKIP }, () => {
  for (const client of ['agent', 'dispatcher'] as const) {
    it(`${client}: through the proxy, TLS 1.1 origin refused with zero bytes, TLS 1.3 answers`, async () => {
      const r = await probe({ client, env: { NODE_USE_ENV_PROXY: '1' } });
      assert.deepEqual(r.results, REFUSED_AND_SERVED);
      assert.deepEqual(r.violations, ['legacy-server']);
      assert.equal(r.legacyBytes, 0);
      assert.deepEqual(CONNECTS(r), TWO_TUNNELS);
    });

    it(`${client}: NO_PROXY (lower case wins, as in Node) and proxy: false go direct`, async () => {
      const bypassed = await probe({ client, env: { NODE_USE_ENV_PROXY: '1', no_proxy: '.microsoft.com', NO_PROXY: 'example.test' } });
      assert.deepEqual(bypassed.results, REFUSED_AND_SERVED);
      assert.deepEqual(bypassed.proxy, []);
      const never = await probe({ client, options: { proxy: false }, env: { NODE_USE_ENV_PROXY: '1' } });
      assert.deepEqual(never.results, REFUSED_AND_SERVED);
      assert.deepEqual(never.proxy, []);
    });
  }

  it('under the install too: the agent tunnels once, is judged once, and refuses the TLS 1.1 origin', async () => {
    const r = await probe({ client: 'agent', args: REGISTER, env: { NODE_USE_ENV_PROXY: '1' } });
    assert.deepEqual(r.results, REFUSED_AND_SERVED);
    assert.deepEqual(r.violations, ['legacy-server']);
    assert.equal(r.legacyBytes, 0);
    assert.deepEqual(CONNECTS(r), TWO_TUNNELS);
  });
});

describe('http.setGlobalProxyFromEnv() at run time: the policy agent and dispatcher follow it', { skip: SKIP_SET_GLOBAL }, () => {
  for (const client of ['agent', 'dispatcher'] as const) {
    it(`${client}: made before the call, then through the proxy; TLS 1.1 origin refused with zero bytes`, async () => {
      const r = await probe({ client, setGlobal: 'on' });
      assert.deepEqual(r.results, REFUSED_AND_SERVED);
      assert.deepEqual(r.violations, ['legacy-server']);
      assert.equal(r.legacyBytes, 0);
      assert.deepEqual(CONNECTS(r), TWO_TUNNELS);
    });

    it(`${client}: after the restore function runs, direct again (the test can fail)`, async () => {
      const r = await probe({ client, setGlobal: 'restored' });
      assert.deepEqual(r.results, REFUSED_AND_SERVED);
      assert.deepEqual(r.proxy, []);
    });
  }

  it('https.get (the global agent it made) under the install: the policy judges the origin through the tunnel', async () => {
    const r = await probe({ client: 'https', args: REGISTER, setGlobal: 'on' });
    assert.deepEqual(r.results, REFUSED_AND_SERVED);
    assert.equal(r.legacyBytes, 0);
    assert.deepEqual(CONNECTS(r), TWO_TUNNELS);
  });
});

describe('proxy settings without the env proxy (every Node.js version)', () => {
  it("the agent's proxyEnv option is honoured by the policy's own tunnel (never handed to Node's)", async () => {
    const proxy = await startConnectProxy();
    try {
      const r = await probe({ client: 'agent', proxied: false, options: { proxyEnv: { HTTPS_PROXY: proxy.url } } });
      assert.deepEqual(r.results, REFUSED_AND_SERVED);
      assert.equal(r.legacyBytes, 0);
      assert.deepEqual(CONNECTS({ ...r, proxy: proxy.requests }), TWO_TUNNELS);
    } finally {
      await proxy.close();
    }
  });

  it('HTTPS_PROXY alone (no NODE_USE_ENV_PROXY) does not move the agent or the dispatcher, as it does not move Node', async () => {
    for (const client of ['agent', 'dispatcher'] as const) {
      const r = await probe({ client });
      assert.deepEqual(r.results, REFUSED_AND_SERVED);
      assert.deepEqual(r.proxy, [], `${client} went direct`);
    }
  });
});
