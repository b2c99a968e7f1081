import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cli } from './helpers/cli.js';
import { startTlsServer, type TestTlsServer } from '../src/testing/index.js';

const BIN = fileURLToPath(new URL('../../dist/esm/cli/bin.js', import.meta.url));

let dir: string;
let caFile: string;
const servers: Record<string, TestTlsServer> = {};
let plainTcp: net.Server;
let plainPort: number;

before(async () => {
  for (const [name, versions] of Object.entries({
    tls10: ['TLSv1'],
    tls11: ['TLSv1.1'],
    tls12: ['TLSv1.2'],
    tls13: ['TLSv1.3'],
    all: ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'],
    weak12: ['TLSv1.2'],
  } as const)) {
    servers[name] = await startTlsServer({
      versions: [...versions],
      ...(name === 'weak12' ? { ciphers: 'AES128-SHA:AES256-GCM-SHA384' } : {}),
    });
  }
  dir = mkdtempSync(join(tmpdir(), 'm365-tls-policy-cli-'));
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, servers['tls13']!.ca);
  // Not TLS at all: an HTTP server on a plain socket.
  plainTcp = net.createServer((s) => s.on('data', () => s.end('HTTP/1.1 400 Bad Request\r\n\r\n')).on('error', () => {}));
  await new Promise<void>((r) => plainTcp.listen(0, '127.0.0.1', r));
  plainPort = (plainTcp.address() as net.AddressInfo).port;
});
after(async () => {
  await Promise.all(Object.values(servers).map((s) => s.close()));
  plainTcp.close();
  rmSync(dir, { recursive: true, force: true });
});

const target = (name: string) => `graph.microsoft.com:${servers[name]!.port}`;
const resolve = (name: string) => ['--resolve', `graph.microsoft.com:${servers[name]!.port}:127.0.0.1`];

describe('m365-tls-policy probe', () => {
  it('--json: one document, each version tried alone, certificate and verdict (schema checked)', async () => {
    const r = await cli(['probe', target('all'), target('tls13'), ...resolve('all'), ...resolve('tls13'), '--ca', caFile, '--json']);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as Record<string, unknown> & { targets: Array<Record<string, unknown>> };
    assert.deepEqual(Object.keys(doc), ['schema', 'tool', 'command', 'policy', 'passed', 'summary', 'targets']);
    assert.equal(doc['schema'], 'm365-tls-policy/probe/2');
    assert.deepEqual([doc['tool'], doc['command'], doc['passed']], ['m365-tls-policy', 'probe', true]);
    assert.deepEqual(doc['policy'], { minVersion: 'TLSv1.2', ciphers: 'strong' });
    const [all, modern] = doc.targets as Array<{
      target: string;
      reachable: boolean;
      versions: Record<string, { accepted: boolean; cipher?: string; code?: string }>;
      certificate: { subject: string; issuer: string; validTo: string; verified: boolean; dnsNames: string[] };
      policy: { passes: boolean; protocol: string };
    }>;
    assert.deepEqual(Object.keys(all!), [
      'target',
      'host',
      'port',
      'address',
      'reachable',
      'versions',
      'fallbackScsv',
      'certificate',
      'chain',
      'keyExchange',
      'warnings',
      'policy',
      'durationMs',
    ]);
    assert.deepEqual(Object.fromEntries(Object.entries(all!.versions).map(([v, r]) => [v, r.accepted])), {
      TLSv1: true,
      'TLSv1.1': true,
      'TLSv1.2': true,
      'TLSv1.3': true,
    });
    assert.deepEqual(Object.fromEntries(Object.entries(modern!.versions).map(([v, r]) => [v, r.accepted])), {
      TLSv1: false,
      'TLSv1.1': false,
      'TLSv1.2': false,
      'TLSv1.3': true,
    });
    assert.equal(modern!.versions['TLSv1']!.code, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
    assert.equal(all!.certificate.verified, true);
    assert.match(all!.certificate.issuer, /testing CA/u);
    assert.match(all!.certificate.validTo, /^2126-/u);
    assert.ok(all!.certificate.dnsNames.includes('graph.microsoft.com'));
    assert.deepEqual([all!.policy.passes, all!.policy.protocol], [true, 'TLSv1.3']);
  });

  it('exit 1 when a target fails the policy: legacy-only, weak suites only, an unverifiable certificate', async () => {
    for (const [name, extra, reason] of [
      ['tls10', ['--ca', caFile], /no handshake at TLSv1\.2 or above/u],
      ['weak12', ['--ca', caFile], /no handshake at TLSv1\.2 or above with a policy cipher/u],
      ['tls13', [], /the certificate does not verify/u],
    ] as const) {
      const r = await cli(['probe', target(name), ...resolve(name), ...extra, '--json']);
      assert.equal(r.code, 1, name);
      const doc = JSON.parse(r.out) as { passed: boolean; targets: Array<{ policy: { passes: boolean; reason: string } }> };
      assert.equal(doc.passed, false);
      assert.match(doc.targets[0]!.policy.reason, reason);
    }
  });

  it('--min-version TLSv1.3 fails a TLS 1.2-only endpoint', async () => {
    assert.equal((await cli(['probe', target('tls12'), ...resolve('tls12'), '--ca', caFile])).code, 0);
    assert.equal((await cli(['probe', target('tls12'), ...resolve('tls12'), '--ca', caFile, '--min-version', 'TLSv1.3'])).code, 1);
  });

  it('--servername sets SNI and the certificate name when probing an address', async () => {
    const r = await cli([
      'probe',
      `127.0.0.1:${servers['tls13']!.port}`,
      '--servername',
      'outlook.office365.com',
      '--ca',
      caFile,
      '--json',
    ]);
    assert.equal(r.code, 0, r.out);
  });

  it('unreachable, unresolvable and non-TLS targets get one clear line each, not a stack trace', async (t) => {
    // The unresolvable name fails in a stand-in resolver: no test sends a DNS query off this machine.
    const dnsModule = (await import('node:dns')).default as unknown as { lookup: (...args: unknown[]) => void };
    const realLookup = dnsModule.lookup;
    t.after(() => {
      dnsModule.lookup = realLookup;
    });
    dnsModule.lookup = (host: unknown, options: unknown, cb: unknown) => {
      if (host !== 'host.does-not-exist.invalid') return realLookup(host, options, cb);
      const callback = (typeof options === 'function' ? options : cb) as (e: Error) => void;
      process.nextTick(callback, Object.assign(new Error('getaddrinfo ENOTFOUND host.does-not-exist.invalid'), { code: 'ENOTFOUND' }));
    };
    const closed = await new Promise<number>((r) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => r(port));
      });
    });
    const r = await cli(['probe', `127.0.0.1:${closed}`, 'host.does-not-exist.invalid', `127.0.0.1:${plainPort}`, '--timeout', '3000']);
    assert.equal(r.code, 1);
    assert.match(r.out, /^ {2}policy {9}FAIL {2}connection refused \(ECONNREFUSED\)$/mu);
    assert.match(r.out, /^ {2}policy {9}FAIL {2}the host name does not resolve \(ENOTFOUND\)$/mu);
    assert.match(r.out, /^ {2}policy {9}FAIL {2}the peer does not speak TLS \(ERR_SSL_[A-Z_]+\)$/mu);
    assert.match(r.out, /^3 targets: 0 pass, 3 fail, 3 unreachable, 0 warnings \(\d+\.\d s\)$/mu);
    assert.doesNotMatch(r.out + r.err, /\n\s+at /u);
  });

  it('human output: a table per target; colour only on a TTY and never with NO_COLOR', async () => {
    const args = ['probe', target('tls13'), ...resolve('tls13'), '--ca', caFile];
    const plain = await cli(args);
    assert.match(plain.out, /^ {2}TLSv1\.3 {8}accepted {2}3 suites$/mu);
    assert.match(plain.out, /^ {19}TLS_AES_256_GCM_SHA384 +policy$/mu);
    assert.match(plain.out, /^ {2}policy {9}PASS /mu);
    assert.doesNotMatch(plain.out, /\u001b\[/u);
    assert.match((await cli(args, {}, true)).out, /\u001b\[32mPASS\u001b\[0m/u);
    assert.doesNotMatch((await cli(args, { NO_COLOR: '1' }, true)).out, /\u001b\[/u);
  });

  it('every command has --help (exit 0, its own options), the tool has --version', async () => {
    for (const command of ['probe', 'doctor', 'report']) {
      const r = await cli([command, '--help']);
      assert.equal(r.code, 0, command);
      assert.match(r.out, new RegExp(`^Usage: m365-tls-policy ${command}`, 'u'));
      assert.match(r.out, /--help {2,}this text/u);
      assert.equal((await cli(['help', command])).out, r.out, `help ${command} is the same text`);
    }
    const version = await cli(['--version']);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.deepEqual([version.code, version.out], [0, `${pkg.version}\n`]);
  });

  it('a usage error is one clear line naming the option, then the command usage', async () => {
    const unknown = await cli(['probe', 'x', '--bogus']);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.err.split('\n')[0], 'm365-tls-policy probe: unknown option --bogus (see --help)');
    const missing = await cli(['probe', 'x', '--timeout']);
    assert.equal(missing.err.split('\n')[0], 'm365-tls-policy probe: --timeout needs a value (see --help)');
    const stray = await cli(['doctor', 'extra']);
    assert.equal(stray.err.split('\n')[0], 'm365-tls-policy doctor: unexpected argument (see --help)');
    assert.match(stray.err, /Usage: m365-tls-policy doctor/u);
  });

  it('usage errors exit 2 with a message', async () => {
    for (const args of [
      ['probe'],
      ['probe', 'x', '--timeout', 'soon'],
      ['probe', 'x', '--min-version', 'TLSv1'],
      ['probe', 'x', '--resolve', 'nonsense'],
      ['probe', 'x', '--bogus'],
      ['frobnicate'],
      [],
    ]) {
      const r = await cli(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err + r.out, /Usage:/u);
    }
  });
});

describe('m365-tls-policy doctor (the installed bin, in a child process)', () => {
  function runBin(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 20_000 }, (error, stdout) =>
        resolve({ code: error ? Number((error as { code?: number }).code) : 0, stdout }),
      );
    });
  }

  it('flags a weakened NODE_OPTIONS with fixes, exit 1; a clean runtime exits 0', async () => {
    const weak = await runBin(['doctor', '--json'], {
      NODE_OPTIONS: '--tls-min-v1.0 --tls-cipher-list=DEFAULT@SECLEVEL=0',
      NODE_TLS_REJECT_UNAUTHORIZED: '0',
    });
    assert.equal(weak.code, 1);
    const doc = JSON.parse(weak.stdout) as { ok: boolean; findings: Array<{ id: string; severity: string; fix: string }> };
    assert.equal(doc.ok, false);
    const ids = doc.findings.map((f) => f.id);
    for (const id of ['flag-tls-min', 'flag-cipher-seclevel', 'env-reject-unauthorized', 'default-min-version'])
      assert.ok(ids.includes(id), `${id} in ${ids.join(',')}`);
    assert.ok(doc.findings.every((f) => f.fix.length > 0));
    const clean = await runBin(['doctor'], { NODE_OPTIONS: '', NODE_TLS_REJECT_UNAUTHORIZED: '' });
    assert.equal(clean.code, 0, clean.stdout);
    assert.match(clean.stdout, /^INFO {3}Node\.js \d+\.\d+\.\d+ with OpenSSL /mu);
  });
});
