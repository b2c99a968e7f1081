import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tls from 'node:tls';
import { weakCertificateChain } from '../src/engine/socket-checks.js';
import { DEFAULT_TUNNEL_TIMEOUT_MS, openTunnel } from '../src/adapters/proxy-tunnel.js';
import { createFetchDispatcher, createHttpsAgent, createTlsPolicy, isTlsPolicyError } from '../src/index.js';
import { proxyTarget } from '../src/policy/options.js';
import { listenOnLoopback, track } from '../src/testing/loopback.js';
import { issueCertificate } from '../src/testing/x509.js';
import { startConnectProxy } from './helpers/connect-proxy.js';
import { CA, lookup } from './helpers/fixtures.js';
import { withServers } from './helpers/tls-server.js';

// Attack 15: the proxy planner and tunnel, Bun/BoringSSL support, the generated scope.
// Every server is a real TLS server on 127.0.0.1; certificates are verified for real (a CA
// of this file's own, trusted with `ca`), never with rejectUnauthorized: false.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGE = pathToFileURL(join(ROOT, 'dist/esm/index.js')).href;
// Bun runs these cases in CI's Bun stage (.ci/run sets BUN_BIN); without it they are skipped.
const BUN = process.env['BUN_BIN'];
const TOKEN = 'Bearer eyJ0eXAiOiJKV1Qi.attack15-secret';

/** A CA and a graph.microsoft.com leaf signed by it: weak in one way (RSA-1024 key or SHA-1 signature), or good (RSA 2048, SHA-256). */
function weakLeaf(kind: 'rsa1024' | 'sha1' | 'good'): { ca: string; cert: string; key: string } {
  const now = Date.now();
  const caKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const issuer = { commonName: 'attack-15 CA', privateKey: caKeys.privateKey, publicKey: caKeys.publicKey };
  const window = { notBefore: new Date(now - 864e5), notAfter: new Date(now + 864e5) };
  const ca = issueCertificate({ commonName: issuer.commonName, ca: true, publicKey: caKeys.publicKey, issuer, ...window });
  const leafKeys = generateKeyPairSync('rsa', { modulusLength: kind === 'rsa1024' ? 1024 : 2048 });
  const cert = issueCertificate({
    commonName: 'graph.microsoft.com',
    names: ['graph.microsoft.com'],
    ca: false,
    publicKey: leafKeys.publicKey,
    issuer,
    ...window,
    digest: kind === 'sha1' ? 'sha1' : 'sha256',
  });
  return { ca, cert, key: leafKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** A TLS 1.3 https server (this Node process) presenting `cert`; records the Authorization headers it got. */
async function weakServer(leaf: { cert: string; key: string }): Promise<{ port: number; tokens: string[]; close(): Promise<void> }> {
  const tokens: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = https.createServer({ cert: leaf.cert, key: leaf.key, ciphers: 'DEFAULT:@SECLEVEL=0' }, (req, res) => {
    tokens.push(String(req.headers.authorization));
    res.end(`ok ${(req.socket as unknown as { getProtocol(): string }).getProtocol()}`);
  });
  const listening = await listenOnLoopback(server, sockets);
  return { ...listening, tokens };
}

// A child (Node or Bun) that calls graph.microsoft.com:PORT with the policy agent and a bearer token.
const CLIENT = `
const [spoof, port, ca] = [process.env.SPOOF, Number(process.env.PORT), process.env.CA];
if (spoof === '1') process.features.openssl_is_boringssl = true; // a dependency loaded before the policy
const https = await import('node:https');
const { createHttpsAgent } = await import('${PACKAGE}');
const lookup = (h, o, cb) => (o && o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4));
const agent = createHttpsAgent({ ca, lookup });
const out = await new Promise((resolve) =>
  https.get({ host: 'graph.microsoft.com', port, agent, headers: { authorization: '${TOKEN}' } }, (res) => {
    let b = '';
    res.on('data', (c) => (b += c));
    res.on('end', () => resolve(b));
  }).on('error', (e) => resolve(e.code ?? e.message)));
console.log(JSON.stringify(out));
process.exit(0);
`;

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'm365-tls-policy-attack-15-'));
  writeFileSync(join(dir, 'client.mjs'), CLIENT);
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function runClient(bin: string, env: Record<string, string>): Promise<string> {
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
    execFile(bin, [join(dir, 'client.mjs')], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 30_000 }, (_e, stdout, stderr) =>
      resolve({ stdout, stderr }),
    );
  });
  const line = stdout.trim().split('\n').pop() ?? '';
  assert.ok(line !== '', `the client printed nothing: ${stderr}`);
  return JSON.parse(line) as string;
}

describe('attack-15 (b): BoringSSL and @SECLEVEL', () => {
  for (const kind of ['rsa1024', 'sha1'] as const) {
    it(`Bun: the policy agent refuses a graph.microsoft.com certificate with ${kind === 'rsa1024' ? 'an RSA-1024 key' : 'a SHA-1 signature'} (as on Node)`, {
      skip: BUN !== undefined && existsSync(BUN) ? false : 'needs Bun: BUN_BIN names its binary (CI sets it in the Bun stage)',
    }, async () => {
      const leaf = weakLeaf(kind);
      const server = await weakServer(leaf);
      try {
        // Control: the same client on Node refuses it (@SECLEVEL=2).
        const onNode = await runClient(process.execPath, { PORT: String(server.port), CA: leaf.ca, SPOOF: '0' });
        assert.equal(onNode, 'ERR_TLS_POLICY_UNVERIFIED');
        const onBun = await runClient(BUN as string, { PORT: String(server.port), CA: leaf.ca, SPOOF: '0' });
        assert.equal(onBun, 'ERR_TLS_POLICY_UNVERIFIED', `Bun's policy agent got "${onBun}"`);
        assert.deepEqual(server.tokens, [], 'the bearer token reached a server with a weak certificate');
      } finally {
        await server.close();
      }
    });
  }

  // On Node the security level refuses these chains first; this is the stand-in the verdict uses
  // where there is none (Bun's BoringSSL), tested here on every Node version CI runs.
  for (const [kind, code] of [
    ['rsa1024', 'EE_KEY_TOO_SMALL'],
    ['sha1', 'CA_MD_TOO_WEAK'],
    ['good', undefined],
  ] as const) {
    it(`weakCertificateChain: ${kind === 'good' ? 'an RSA-2048/SHA-256 chain passes' : `${kind} is found (${code})`}`, async () => {
      const leaf = weakLeaf(kind);
      const server = await weakServer(leaf);
      try {
        const socket = tls.connect({
          host: '127.0.0.1',
          port: server.port,
          servername: 'graph.microsoft.com',
          ca: leaf.ca,
          ciphers: 'DEFAULT:@SECLEVEL=0',
        });
        await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
        assert.equal(socket.authorized, true, String(socket.authorizationError));
        assert.equal(weakCertificateChain(socket)?.nodeCode, code);
        socket.destroy();
      } finally {
        await server.close();
      }
    });
  }

  it('Node: process.features.openssl_is_boringssl = true (set by any earlier module) does not drop @SECLEVEL=2: RSA-1024 still refused', async () => {
    const leaf = weakLeaf('rsa1024');
    const server = await weakServer(leaf);
    try {
      const control = await runClient(process.execPath, { PORT: String(server.port), CA: leaf.ca, SPOOF: '0' });
      assert.equal(control, 'ERR_TLS_POLICY_UNVERIFIED');
      const spoofed = await runClient(process.execPath, { PORT: String(server.port), CA: leaf.ca, SPOOF: '1' });
      assert.equal(spoofed, 'ERR_TLS_POLICY_UNVERIFIED', `with the flag faked the agent got "${spoofed}"`);
      assert.deepEqual(server.tokens, []);
    } finally {
      await server.close();
    }
  });
});

/** A TCP server that accepts connections and never answers (a stuck proxy). */
async function silentProxy(): Promise<{ url: string; accepted: () => number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((s) => {
    accepted += 1;
    track(sockets, s);
  });
  const listening = await listenOnLoopback(server, sockets);
  return { url: `http://127.0.0.1:${listening.port}`, accepted: () => accepted, close: listening.close };
}

describe('attack-15 (a): proxies', () => {
  // The caller's timeout is honoured end to end (fast); the default when none is set is the
  // same code path with DEFAULT_TUNNEL_TIMEOUT_MS, checked at the socket (waiting 10 s here would
  // cost the suite half its time budget).
  it('dispatcher: a proxy that accepts and never answers CONNECT fails the fetch (ETIMEDOUT) at connect.timeout, not never', async () => {
    const proxy = await silentProxy();
    const dispatcher = createFetchDispatcher({ proxy: proxy.url, connect: { ca: CA, timeout: 300 } });
    try {
      const outcome = await Promise.race([
        fetch('https://graph.microsoft.com/v1.0/me', { headers: { authorization: TOKEN }, dispatcher } as RequestInit).then(
          () => 'answered',
          (e: Error & { cause?: { code?: string } }) => `failed ${e.cause?.code ?? e.message}`,
        ),
        new Promise<string>((resolve) => setTimeout(() => resolve('still pending after 5 s'), 5_000).unref()),
      ]);
      assert.equal(proxy.accepted(), 1);
      assert.equal(outcome, 'failed ETIMEDOUT');
    } finally {
      await proxy.close();
      await (dispatcher as unknown as { destroy(): Promise<void> }).destroy();
    }
  });

  it("a tunnel without a caller timeout waits DEFAULT_TUNNEL_TIMEOUT_MS (10 s, undici's connect timeout) for CONNECT, not forever", async () => {
    const proxy = await silentProxy();
    const timeouts: number[] = [];
    const original = net.Socket.prototype.setTimeout;
    net.Socket.prototype.setTimeout = function (this: net.Socket, ms: number, ...rest: unknown[]) {
      timeouts.push(ms);
      return (original as (...a: unknown[]) => net.Socket).call(this, ms, ...rest);
    } as typeof original;
    try {
      const tunnel = openTunnel(proxyTarget(proxy.url, 'test'), 'graph.microsoft.com', 443).catch((e: Error & { code?: string }) => e.code);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(timeouts, [DEFAULT_TUNNEL_TIMEOUT_MS]);
      assert.equal(DEFAULT_TUNNEL_TIMEOUT_MS, 10_000);
      await proxy.close();
      assert.notEqual(await tunnel, undefined, 'the tunnel fails once the proxy goes away');
    } finally {
      net.Socket.prototype.setTimeout = original;
    }
  });

  it("a proxy password with a literal '%' (proxy: 'http://svc:50%off@proxy') is ERR_TLS_POLICY_INVALID_OPTION, not a URIError", () => {
    let thrown: unknown;
    try {
      createHttpsAgent({ proxy: 'http://svc:50%off@127.0.0.1:3128' });
    } catch (error) {
      thrown = error;
    }
    assert.ok(thrown !== undefined, 'accepted');
    assert.ok(isTlsPolicyError(thrown), `threw ${String(thrown)}`);
  });

  it("HTTPS_PROXY with a literal '%' in its password: https.get through the agent (proxy: true) fails the request, it does not throw", async () => {
    const saved = process.env['HTTPS_PROXY'];
    const savedLower = process.env['https_proxy'];
    delete process.env['https_proxy'];
    process.env['HTTPS_PROXY'] = 'http://svc:50%off@127.0.0.1:3128';
    const agent = createHttpsAgent({ proxy: true, ca: CA, lookup });
    try {
      const outcome = await new Promise<string>((resolve) => {
        let req: ReturnType<typeof https.get>;
        try {
          req = https.get({ host: 'graph.microsoft.com', port: 1, agent, headers: { authorization: TOKEN } }, () => resolve('answered'));
        } catch (error) {
          resolve(`threw synchronously: ${String(error)}`);
          return;
        }
        req.on('error', (e: Error & { code?: string }) => resolve(`error event ${e.code ?? e.name}`));
      });
      assert.equal(outcome, 'error event ERR_TLS_POLICY_INVALID_OPTION');
    } finally {
      if (saved === undefined) delete process.env['HTTPS_PROXY'];
      else process.env['HTTPS_PROXY'] = saved;
      if (savedLower !== undefined) process.env['https_proxy'] = savedLower;
      agent.destroy();
    }
  });

  it("proxyEnv NO_PROXY 'microsoft.com' (no leading dot) bypasses only microsoft.com itself in Node's https.Agent: graph.microsoft.com still goes through the proxy", async () => {
    const proxy = await startConnectProxy();
    try {
      await withServers([{ versions: ['TLSv1.3'] }], async ([origin]) => {
        const agent = createHttpsAgent({ ca: CA, lookup, proxyEnv: { HTTPS_PROXY: proxy.url, NO_PROXY: 'microsoft.com' } });
        const outcome = await new Promise<string>((resolve) => {
          https
            .get({ host: 'graph.microsoft.com', port: origin!.port, agent, headers: { authorization: TOKEN } }, (res) => {
              res.resume();
              res.on('end', () => resolve(`status ${res.statusCode}`));
            })
            .on('error', (e: Error & { code?: string }) => resolve(e.code ?? e.message));
        });
        agent.destroy();
        assert.equal(outcome, 'status 200');
        // Node's https.Agent with this proxyEnv (and Node's global agent with the same variables,
        // Node 24.22: ProxyConfig.shouldUseProxy matches an entry without a leading dot exactly)
        // tunnels: on a proxy-only network the policy agent's direct connection is an outage.
        assert.deepEqual(proxy.requests, [`CONNECT graph.microsoft.com:${origin!.port} HTTP/1.1`], 'went direct');
      });
    } finally {
      await proxy.close();
    }
  });
});

describe('attack-15 (c): the built-in scope', () => {
  // graph.windows.net (Azure AD Graph, worldwide) and manage.office.com / manage.office365.us /
  // manage.protection.apps.mil (Office 365 Management Activity API) are in scope; their 21Vianet
  // counterparts are not. Sources: learn.microsoft.com previous-versions/office/office-365-api/api/
  // o365-china-endpoints (Azure AD Graph: https://graph.chinacloudapi.cn), and the Office 365
  // Management Activity API reference (21Vianet: https://manage.office.cn/api/v1.0/...).
  for (const host of ['graph.chinacloudapi.cn', 'manage.office.cn']) {
    it(`${host} (a 21Vianet Microsoft 365 API host that takes bearer tokens) is in the built-in scope`, () => {
      assert.equal(createTlsPolicy().appliesTo(host), true);
    });
  }
});
