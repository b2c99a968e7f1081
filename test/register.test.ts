import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CA } from './helpers/fixtures.js';
import { startTlsServer, type TestServer } from './helpers/tls-server.js';

// Applications with no code change, started with --import / --require. Each probes the four
// servers below through https.get (global agent), Node's fetch and a raw tls.connect imported
// by name, and prints what happened as JSON.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const PROBE_BODY = `
const ports = JSON.parse(process.env.PORTS);
const lookup = (h, o, cb) => (o && o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4));
const weak = process.env.WEAK_CLIENT ? { minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' } : {};
const code = (e) => e.code ?? e.cause?.code;
const viaHttps = (port) => new Promise((resolve) => {
  https.get({ host: 'graph.microsoft.com', port, lookup, ...weak }, (res) => { let b = ''; res.on('data', (c) => (b += c)); res.on('end', () => resolve(b)); })
    .on('error', (e) => resolve(code(e)));
});
const viaFetch = (port) => fetch('https://localhost:' + port + '/').then((r) => r.text(), (e) => code(e));
const viaTls = (port) => new Promise((resolve) => {
  const s = connect({ host: 'localhost', port, ...weak }, () => { resolve('connected ' + s.getProtocol()); s.end(); });
  s.on('error', (e) => resolve(code(e)));
});
(async () => {
  const out = {
    https: [await viaHttps(ports.legacyM365), await viaHttps(ports.modernM365)],
    fetch: [await viaFetch(ports.legacyLocal), await viaFetch(ports.modernLocal)],
    tls: [await viaTls(ports.legacyLocal), await viaTls(ports.modernLocal)],
  };
  console.log(JSON.stringify(out));
  process.exit(0);
})();
`;
const ESM_APP = `import * as https from 'node:https';\nimport { connect } from 'node:tls';\n${PROBE_BODY}`;
const CJS_APP = `const https = require('node:https');\nconst { connect } = require('node:tls');\n${PROBE_BODY}`;

// The same https.get probe, from inside a worker thread.
const WORKER_APP = `
const { Worker } = require('node:worker_threads');
new Worker(\`
  const https = require('node:https');
  const { parentPort } = require('node:worker_threads');
  const port = JSON.parse(process.env.PORTS).legacyM365;
  const lookup = (h, o, cb) => (o && o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4));
  https.get({ host: 'graph.microsoft.com', port, lookup, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' }, (res) => { res.resume(); res.on('end', () => console.log('served')); })
    .on('error', (e) => console.log(e.code));
\`, { eval: true });
`;

let dir: string;
let servers: Record<'legacyM365' | 'modernM365' | 'legacyLocal' | 'modernLocal', TestServer>;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'm365-tls-policy-register-'));
  writeFileSync(join(dir, 'app.mjs'), ESM_APP);
  writeFileSync(join(dir, 'app.cjs'), CJS_APP);
  writeFileSync(join(dir, 'ca.pem'), CA);
  writeFileSync(join(dir, 'worker-app.cjs'), WORKER_APP);
  servers = {
    legacyM365: await startTlsServer({ versions: ['TLSv1.1'] }),
    modernM365: await startTlsServer({ versions: ['TLSv1.3'] }),
    legacyLocal: await startTlsServer({ versions: ['TLSv1.1'], cert: 'other' }),
    modernLocal: await startTlsServer({ versions: ['TLSv1.3'], cert: 'other' }),
  };
});
after(async () => {
  await Promise.all(Object.values(servers).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const ports = Object.fromEntries(Object.entries(servers).map(([k, s]) => [k, s.port]));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      // The app trusts the test CA the way a deployment trusts a corporate CA.
      {
        cwd: ROOT,
        timeout: 30_000,
        env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'), PORTS: JSON.stringify(ports), DEBUG: '', ...env },
      },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const REFUSED_AND_SERVED = {
  https: ['ERR_TLS_POLICY_VERSION', 'ok TLSv1.3'],
  fetch: ['ERR_TLS_POLICY_VERSION', 'ok TLSv1.3'],
  tls: ['ERR_TLS_POLICY_VERSION', 'connected TLSv1.3'],
};

describe('m365-tls-policy/register', () => {
  it('--import: weakened clients (NODE_OPTIONS --tls-min-v1.0) are refused on https.get, fetch and tls.connect', async () => {
    const r = await run(['--import', 'm365-tls-policy/register', join(dir, 'app.mjs')], {
      NODE_OPTIONS: '--tls-min-v1.0 --tls-cipher-list=DEFAULT@SECLEVEL=0',
      WEAK_CLIENT: '1',
      M365_TLS_POLICY_HOSTS: 'localhost',
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), REFUSED_AND_SERVED);
  });

  it('--require: the same for a CommonJS application', async () => {
    const r = await run(['--require', 'm365-tls-policy/register', join(dir, 'app.cjs')], {
      NODE_OPTIONS: '--tls-min-v1.0 --tls-cipher-list=DEFAULT@SECLEVEL=0',
      WEAK_CLIENT: '1',
      M365_TLS_POLICY_HOSTS: 'localhost',
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), REFUSED_AND_SERVED);
  });

  it('without the register module the same weakened process reaches TLS 1.1 everywhere (the test can fail)', async () => {
    const r = await run([join(dir, 'app.mjs')], { NODE_OPTIONS: '--tls-min-v1.0 --tls-cipher-list=DEFAULT@SECLEVEL=0', WEAK_CLIENT: '1' });
    assert.deepEqual(JSON.parse(r.stdout), {
      https: ['ok TLSv1.1', 'ok TLSv1.3'],
      fetch: ['ok TLSv1.1', 'ok TLSv1.3'],
      tls: ['connected TLSv1.1', 'connected TLSv1.3'],
    });
  });

  it('M365_TLS_POLICY_MODE=report blocks nothing and logs every violation, the runtime audit included', async () => {
    const r = await run(['--import', 'm365-tls-policy/register', join(dir, 'app.mjs')], {
      NODE_OPTIONS: '--tls-min-v1.0 --tls-cipher-list=DEFAULT@SECLEVEL=0',
      WEAK_CLIENT: '1',
      M365_TLS_POLICY_MODE: 'report',
      M365_TLS_POLICY_HOSTS: 'localhost',
      DEBUG: 'm365-tls-policy:violation',
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).https[0], 'ok TLSv1.1');
    // Runtime findings are findings, not connection violations: a process warning of their own.
    assert.match(r.stderr, /\[M365_TLS_POLICY_AUDIT\] TlsPolicyWarning: TLS runtime audit \(high\) flag-tls-min/u);
    assert.doesNotMatch(r.stderr, /kind=weak-runtime/u);
    assert.match(r.stderr, /kind=below-floor action=reported host=graph\.microsoft\.com/u);
    assert.match(r.stderr, /kind=below-floor action=reported host=localhost/u);
  });

  it('--require is preloaded into worker threads too: a worker is refused as well', async () => {
    const r = await run(['--require', 'm365-tls-policy/register', join(dir, 'worker-app.cjs')], {});
    assert.equal(r.stdout.trim(), 'ERR_TLS_POLICY_VERSION', r.stderr);
    const without = await run([join(dir, 'worker-app.cjs')], {});
    assert.equal(without.stdout.trim(), 'served');
  });

  it('M365_TLS_POLICY_MODE=off installs nothing', async () => {
    const r = await run(['--import', 'm365-tls-policy/register', join(dir, 'app.mjs')], {
      NODE_OPTIONS: '--tls-min-v1.0 --tls-cipher-list=DEFAULT@SECLEVEL=0',
      WEAK_CLIENT: '1',
      M365_TLS_POLICY_MODE: 'off',
    });
    assert.equal(JSON.parse(r.stdout).https[0], 'ok TLSv1.1');
  });

  it('M365_TLS_POLICY_MIN_VERSION=TLSv1.3 raises the floor for the whole process', async () => {
    const r = await run(['--import', 'm365-tls-policy/register', join(dir, 'app.mjs')], {
      M365_TLS_POLICY_MIN_VERSION: 'TLSv1.3',
      M365_TLS_POLICY_HOSTS: 'localhost',
    });
    assert.deepEqual(JSON.parse(r.stdout).https, ['ERR_TLS_POLICY_VERSION', 'ok TLSv1.3']);
  });

  const INVALID: Array<[string, string, RegExp]> = [
    [
      'M365_TLS_POLICY_MODE',
      'audit',
      /^m365-tls-policy\/register: M365_TLS_POLICY_MODE must be one of 'enforce', 'report', 'off' \(got "audit"\)$/mu,
    ],
    [
      'M365_TLS_POLICY_MIN_VERSION',
      'TLSv1',
      /^m365-tls-policy\/register: M365_TLS_POLICY_MIN_VERSION must be one of 'TLSv1\.2', 'TLSv1\.3' \(got "TLSv1"\)$/mu,
    ],
    [
      'M365_TLS_POLICY_HOSTS',
      'mail.contoso.example,https://bad',
      /^m365-tls-policy\/register: M365_TLS_POLICY_HOSTS: "https:\/\/bad" is not a host pattern/mu,
    ],
  ];
  for (const [name, value, message] of INVALID) {
    it(`an invalid ${name} stops the process at start-up with a message naming it`, async () => {
      const r = await run(['--import', 'm365-tls-policy/register', join(dir, 'app.mjs')], { [name]: value });
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '', 'the application never ran');
      assert.match(r.stderr, message);
    });
  }
});
