import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tls from 'node:tls';
import { printable } from '../src/cli/format.js';
import { parseTarget } from '../src/cli/probe/targets.js';
import type { ProbeResult } from '../src/cli/probe/types.js';
import { createTlsPolicy } from '../src/index.js';
import { listenOnLoopback } from '../src/testing/loopback.js';
import { issueCertificate } from '../src/testing/x509.js';
import { cli } from './helpers/cli.js';
import { CERTS } from './helpers/fixtures.js';

// Review of `probe`: each test here failed against the code under review (bdeff41). Tests marked
// "Node 22+" pass on Node 20 (OpenSSL 3.0) and fail on Node 22 (OpenSSL 3.5).

interface Doc {
  targets: ProbeResult[];
}

type Server = { port: number; close(): Promise<void> };
const servers: Server[] = [];
let dir: string;

async function serve(options: tls.TlsOptions): Promise<Server> {
  const server = tls.createServer(options, (s) => s.end());
  server.on('tlsClientError', () => {});
  const s = await listenOnLoopback(server, new Set());
  servers.push(s);
  return s;
}

async function probeJson(args: string[]): Promise<{ code: number; doc: Doc; err: string }> {
  const { code, out, err } = await cli(['probe', '--json', '--timeout', '3000', ...args]);
  return { code, doc: JSON.parse(out) as Doc, err };
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'probe-review-'));
});
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('probe review', () => {
  it('a certificate whose notAfter OpenSSL prints as "Bad time value" is reported, not a crash of the whole fleet', async () => {
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = issueCertificate({
      commonName: 'bad-time.example',
      names: ['bad-time.example'],
      ca: false,
      publicKey: keys.publicKey,
      issuer: { commonName: 'review CA', ...keys },
      notBefore: new Date('2020-01-01T00:00:00Z'),
      notAfter: new Date('2099-12-31T23:59:59Z'),
    });
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/gu, ''), 'base64');
    der.write('20991331', der.indexOf('20991231')); // month 13: the signature breaks, which a scanner must tolerate
    const cert = `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;
    const key = keys.privateKey.export({ type: 'pkcs8', format: 'pem' });
    const bad = await serve({ cert, key });
    const good = await serve({ ...CERTS.m365 });
    // Today main() rejects with "RangeError: Invalid time value" (chain.ts describeCertificate):
    // the good target's report is lost and bin.ts prints a stack trace.
    const run = await probeJson(['--concurrency', '1', `127.0.0.1:${good.port}`, `127.0.0.1:${bad.port}`]).catch((e: Error) => e);
    assert.ok(!(run instanceof Error), `main() threw: ${(run as Error).message}`);
    assert.equal(run.doc.targets.length, 2);
    assert.equal(run.doc.targets[1]?.reachable, true);
  });

  it('a TLS 1.3 suite a policy client never offers (TLS_AES_128_CCM_SHA256) is not marked policy', async () => {
    const server = await serve({ ...CERTS.m365, minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_CCM_SHA256' });
    const { doc } = await probeJson([`127.0.0.1:${server.port}`]);
    const suites = doc.targets[0]?.versions['TLSv1.3'].ciphers ?? [];
    assert.deepEqual(
      suites.map((s) => s.name),
      ['TLS_AES_128_CCM_SHA256'],
    );
    // What a policy client really does with this server:
    const policy = createTlsPolicy({ hosts: '*', ciphers: 'strong', warnings: false });
    const accepted = await new Promise<boolean>((resolve) => {
      const s = policy.tlsConnect({ host: '127.0.0.1', port: server.port, rejectUnauthorized: false });
      s.once('secureConnect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    }).catch(() => false);
    assert.equal(accepted, false, 'the policy client refuses the CCM-only server');
    assert.equal(suites[0]?.policy, accepted, 'the probe marks the suite policy: true although a policy client refuses it');
  });

  it('Node 22+: the end of a suite enumeration (handshake_failure alert) is not reported as "incomplete"', async () => {
    const server = await serve({ ...CERTS.m365, minVersion: 'TLSv1.2' });
    const { doc } = await probeJson([`127.0.0.1:${server.port}`]);
    // OpenSSL 3.2+ words alert 40 "ssl/tls alert handshake failure": Node's code is then
    // ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE, which suites.ts NO_SHARED_SUITE does not list.
    assert.deepEqual(
      doc.targets[0]?.warnings.filter((w) => w.code === 'incomplete'),
      [],
    );
  });

  it('Node 22+: a TLS 1.3 target reports its key exchange', async () => {
    const server = await serve({ ...CERTS.m365, minVersion: 'TLSv1.2' });
    const { doc } = await probeJson([`127.0.0.1:${server.port}`]);
    // OpenSSL 3.5 negotiates X25519MLKEM768 by default; getEphemeralKeyInfo() is then {} and
    // run.ts drops keyExchange altogether.
    assert.ok(doc.targets[0]?.keyExchange !== undefined, 'keyExchange missing');
  });

  it('--timeout above 2^31-1 ms is refused (or honoured), not silently turned into 1 ms', async () => {
    const server = await serve({ ...CERTS.m365 });
    const { code, out } = await cli(['probe', '--json', '--timeout', '3000000000', `127.0.0.1:${server.port}`]);
    if (code === 2) return; // a usage error is a fine answer
    const doc = JSON.parse(out) as Doc;
    assert.equal(doc.targets[0]?.reachable, true, `reported ${JSON.stringify(doc.targets[0]?.error)}`);
  });

  it('--ca with no certificate in it is a usage error, not silently ignored', async () => {
    const server = await serve({ ...CERTS.m365 });
    const file = join(dir, 'not-a-ca.pem');
    writeFileSync(file, 'this is not PEM\n');
    const { code, err } = await cli(['probe', '--timeout', '3000', '--ca', file, `127.0.0.1:${server.port}`]);
    assert.equal(code, 2, `exit ${code}, stderr ${JSON.stringify(err.slice(0, 200))}`);
  });

  it('smtp://, imap://, pop3:// without a port do not default to 443', () => {
    const defaults = { resolves: new Map<string, string>() };
    for (const spec of ['smtp://smtp.office365.com', 'imap://outlook.office365.com', 'pop3://outlook.office365.com']) {
      assert.notEqual(parseTarget(spec, defaults).port, 443, spec);
    }
  });

  it('printable() neutralises bidi overrides and line separators from certificate names', () => {
    // A subject "CN=\u202Egnp.exe" displays reversed; U+2028 breaks lines in some terminals.
    for (const c of ['\u202e', '\u2066', '\u2028']) assert.notEqual(printable(`a${c}b`), `a${c}b`, JSON.stringify(c));
  });
});
