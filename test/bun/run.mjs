// The Bun stage of CI: the built package (dist/) under Bun, against real TLS servers that this
// Node.js script runs on 127.0.0.1 (legacy TLS 1.1, TLS 1.3), trusted through NODE_EXTRA_CA_CERTS.
// Each case is a Bun child process (test/bun/app.mjs) with fresh servers, so "zero bytes at the
// legacy server" is that case's own. No test runner: it prints one line per case and
// "N passed, N failed", and exits 1 on any failure.
//   npm run build && node test/bun/run.mjs [path/to/bun]   (default: $BUN, else bun on PATH)
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTlsServer, TESTING_CA } from '../../dist/esm/testing/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUN = process.argv[2] ?? process.env.BUN ?? 'bun';
const APP = join(ROOT, 'test/bun/app.mjs');
const dir = mkdtempSync(join(tmpdir(), 'm365-tls-policy-bun-'));
writeFileSync(join(dir, 'ca.pem'), TESTING_CA);

/** Runs app.mjs under Bun with `client`, against a fresh TLS 1.1 and TLS 1.3 server. */
async function run(client, args = []) {
  const legacy = await startTlsServer({ versions: ['TLSv1.1'] });
  const modern = await startTlsServer({ versions: ['TLSv1.3'] });
  try {
    const env = {
      ...process.env,
      NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
      PROBE: JSON.stringify({ client, ports: [legacy.port, modern.port] }),
    };
    for (const name of ['NODE_OPTIONS', 'HTTPS_PROXY', 'https_proxy', 'M365_TLS_POLICY_MODE']) delete env[name];
    // cwd is the package root: 'm365-tls-policy' resolves to this package (self-reference).
    const { stdout, stderr } = await new Promise((resolve) =>
      // --no-install: Bun never fetches a package it cannot resolve (it would try the registry).
      execFile(BUN, ['--no-install', ...args, APP], { cwd: ROOT, env, timeout: 30_000 }, (_e, stdout, stderr) =>
        resolve({ stdout, stderr }),
      ),
    );
    const line = stdout.trim().split('\n').pop() ?? '';
    let out;
    try {
      out = JSON.parse(line);
    } catch {
      throw new Error(`the Bun app printed no result: ${stdout}${stderr}`);
    }
    return { ...out, stderr, legacyBytes: legacy.bytesReceived };
  } finally {
    await Promise.all([legacy.close(), modern.close()]);
  }
}

const REFUSED_AND_SERVED = ['ERR_TLS_POLICY_VERSION', 'ok TLSv1.3'];
const cases = {
  'the https agent refuses a TLS 1.1 server (zero bytes) and serves TLS 1.3, a weakened request raised back': async () => {
    const r = await run('agent');
    assert.deepEqual(r.results, REFUSED_AND_SERVED);
    assert.deepEqual(r.violations, ['insecure-options', 'legacy-server', 'insecure-options']);
    assert.equal(r.legacyBytes, 0, 'not a byte of the request (or its token) reached the TLS 1.1 server');
  },
  'installTlsPolicy() in code: https.get refused at TLS 1.1 (zero bytes), TLS 1.3 served; Bun findings reported': async () => {
    const r = await run('install');
    assert.deepEqual(r.results, REFUSED_AND_SERVED);
    assert.ok(r.violations.includes('legacy-server'));
    assert.equal(r.legacyBytes, 0);
    // This ES module bound `connect` from node:tls before the install: Bun keeps that binding.
    assert.ok(r.findings.includes('bun-fetch'), r.findings.join());
    assert.ok(r.findings.includes('install-named-imports'), r.findings.join());
  },
  'bun --preload m365-tls-policy/register: https.get and a named tls.connect import refused at TLS 1.1, TLS 1.3 served': async () => {
    const r = await run('preloaded', ['--preload', 'm365-tls-policy/register']);
    assert.equal(r.installed, true);
    assert.deepEqual(r.results, ['ERR_TLS_POLICY_VERSION', 'ERR_TLS_POLICY_VERSION', 'ok TLSv1.3', 'connected TLSv1.3']);
    assert.equal(r.legacyBytes, 0);
    // The preload is the CommonJS entry (the "bun" export condition), so named imports are bound to the wrapper.
    assert.match(r.stderr, /TLS runtime audit \(high\) bun-fetch/u);
    assert.doesNotMatch(r.stderr, /install-named-imports|openssl-version|default-ciphers/u);
  },
  'without the preload the same weakened app reaches the TLS 1.1 server (the cases above can fail)': async () => {
    const r = await run('preloaded');
    assert.equal(r.installed, false);
    assert.deepEqual(r.results, ['ok TLSv1.1', 'connected TLSv1.1', 'ok TLSv1.3', 'connected TLSv1.3']);
    assert.ok(r.legacyBytes > 0);
  },
  'the fetch dispatcher and the MSAL client fail loudly: ERR_TLS_POLICY_UNSUPPORTED_RUNTIME (Bun fetch ignores dispatchers)': async () => {
    const r = await run('dispatcher');
    assert.deepEqual(r.results, ['ERR_TLS_POLICY_UNSUPPORTED_RUNTIME', 'ERR_TLS_POLICY_UNSUPPORTED_RUNTIME']);
  },
  'auditRuntime() names Bun and its uncovered fetch, without OpenSSL or cipher false alarms': async () => {
    const r = await run('audit');
    assert.ok(r.findings.includes('bun-fetch:high'), r.findings.join());
    assert.deepEqual(
      r.findings.filter((f) => /^(openssl-version|default-ciphers|node-end-of-life):/u.test(f)),
      [],
    );
  },
};

let passed = 0;
let failed = 0;
const started = Date.now();
try {
  const version = await new Promise((resolve) =>
    execFile(BUN, ['--version'], (e, out) => resolve(e ? `(not runnable: ${e.message})` : out.trim())),
  );
  console.log(`# Bun ${version} (${BUN})`);
  for (const [name, test] of Object.entries(cases)) {
    try {
      await test();
      passed += 1;
      console.log(`ok - ${name}`);
    } catch (error) {
      failed += 1;
      console.log(
        `not ok - ${name}\n  ${String(error?.stack ?? error)
          .split('\n')
          .join('\n  ')}`,
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`# ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
