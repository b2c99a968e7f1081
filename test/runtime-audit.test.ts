import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { describe, it } from 'node:test';
import { auditRuntime } from '../src/index.js';

const CLEAN: { nodeOptions: string; execArgv: string[]; env: NodeJS.ProcessEnv; now: Date; nodeVersion: string; opensslVersion: string } = {
  nodeOptions: '',
  execArgv: [],
  env: {},
  now: new Date('2026-01-01T00:00:00Z'),
  nodeVersion: '22.23.5',
  opensslVersion: '3.5.9',
};
const ids = (findings: ReturnType<typeof auditRuntime>) =>
  findings.filter((f) => f.severity !== 'info').map((f) => `${f.id}:${f.severity}`);

describe('auditRuntime', () => {
  it('finds nothing wrong in a clean runtime (only the versions, as info)', () => {
    const findings = auditRuntime(CLEAN);
    assert.deepEqual(ids(findings), []);
    assert.deepEqual(
      findings.map((f) => f.id),
      ['versions'],
    );
    assert.match(findings[0]!.message, /^Node\.js 22\.23\.5 with OpenSSL 3\.5\.9$/u);
  });

  const FLAGS: Array<[string, Partial<typeof CLEAN>, string]> = [
    ['--tls-min-v1.0 in NODE_OPTIONS', { nodeOptions: '--max-old-space-size=4096 --tls-min-v1.0' }, 'flag-tls-min:high'],
    ['--tls-min-v1.1 in execArgv', { execArgv: ['--tls-min-v1.1'] }, 'flag-tls-min:high'],
    ['--tls-max-v1.2', { nodeOptions: '--tls-max-v1.2' }, 'flag-tls-max:medium'],
    ['--tls-cipher-list with @SECLEVEL=0', { nodeOptions: '--tls-cipher-list=DEFAULT@SECLEVEL=0' }, 'flag-cipher-seclevel:high'],
    ['--tls-cipher-list with @SECLEVEL=1', { nodeOptions: '--tls-cipher-list=DEFAULT:@SECLEVEL=1' }, 'flag-cipher-seclevel:high'],
    ['--tls-cipher-list with RC4', { nodeOptions: '--tls-cipher-list=RC4-MD5' }, 'flag-cipher-list:medium'],
    ['--tls-keylog', { execArgv: ['--tls-keylog=tls-keys.log'] }, 'flag-tls-keylog:high'],
    ['NODE_TLS_REJECT_UNAUTHORIZED=0', { env: { NODE_TLS_REJECT_UNAUTHORIZED: '0' } }, 'env-reject-unauthorized:high'],
    ['an end-of-life Node.js', { nodeVersion: '20.20.2', now: new Date('2026-11-28T00:00:00Z') }, 'node-end-of-life:medium'],
    ['OpenSSL 1.1.1', { opensslVersion: '1.1.1w' }, 'openssl-version:medium'],
    // Extra trust is legitimate (a TLS-inspection proxy) but must be visible.
    ['NODE_EXTRA_CA_CERTS', { env: { NODE_EXTRA_CA_CERTS: '/etc/pki/proxy-ca.pem' } }, 'trust-extra-ca-certs:low'],
    [
      '--use-openssl-ca with SSL_CERT_FILE',
      { execArgv: ['--use-openssl-ca'], env: { SSL_CERT_FILE: '/etc/ssl/corp.pem' } },
      'trust-system-store:low',
    ],
    ['--use-system-ca', { nodeOptions: '--use-system-ca' }, 'trust-system-store:low'],
    ['an unreadable OPENSSL_CONF', { env: { OPENSSL_CONF: '/nonexistent/m365-tls-policy-test.cnf' } }, 'openssl-conf:low'],
  ];
  for (const [name, input, expected] of FLAGS) {
    it(`flags ${name} (${expected}) with a fix`, () => {
      const findings = auditRuntime({ ...CLEAN, ...input });
      assert.deepEqual(ids(findings), [expected]);
      const finding = findings.find((f) => `${f.id}:${f.severity}` === expected)!;
      assert.ok(finding.message.length > 10 && finding.fix.length > 5);
    });
  }

  it('an OPENSSL_CONF that lowers the security level is high; one that does not is low', () => {
    const dir = mkdtempSync(join(tmpdir(), 'm365-tls-policy-audit-'));
    try {
      const low = join(dir, 'low.cnf');
      writeFileSync(low, 'openssl_conf = d\n[d]\nssl_conf = s\n[s]\nsystem_default = sd\n[sd]\nCipherString = DEFAULT:@SECLEVEL=0\n');
      const plain = join(dir, 'plain.cnf');
      writeFileSync(plain, 'openssl_conf = d\n[d]\n');
      assert.deepEqual(ids(auditRuntime({ ...CLEAN, env: { OPENSSL_CONF: low } })), ['openssl-conf-seclevel:high']);
      assert.deepEqual(ids(auditRuntime({ ...CLEAN, env: { OPENSSL_CONF: plain } })), ['openssl-conf:low']);
      const finding = auditRuntime({ ...CLEAN, env: { OPENSSL_CONF: low } }).find((f) => f.id === 'openssl-conf-seclevel');
      assert.ok(finding?.message.includes(low), 'the file is named, so an admin can find it');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Node.js 20 is not end of life before 2026-04-30', () => {
    assert.deepEqual(ids(auditRuntime({ ...CLEAN, nodeVersion: '20.20.2', now: new Date('2026-04-29T00:00:00Z') })), []);
  });

  it('on Bun: its fetch is named as outside the policy; no OpenSSL, end-of-life or cipher false alarms', (t) => {
    const bun = { ...CLEAN, nodeVersion: '26.3.0', opensslVersion: '1.1.0', bunVersion: '1.4.5', boringssl: true };
    const findings = auditRuntime({ ...bun, now: new Date('2030-01-01T00:00:00Z') });
    assert.deepEqual(ids(findings), ['bun-fetch:high']);
    assert.match(findings.find((f) => f.id === 'bun-fetch')!.message, /fetch does not go through node:tls and ignores a dispatcher/u);
    assert.equal(findings.find((f) => f.id === 'versions')!.message, 'Bun 1.4.5 (Node.js API 26.3.0) with BoringSSL');
    // Bun's tls.DEFAULT_CIPHERS leaves suites of Node's built-in list out, and adds none.
    const defaults = tls as unknown as { DEFAULT_CIPHERS: string };
    const saved = defaults.DEFAULT_CIPHERS;
    t.after(() => {
      defaults.DEFAULT_CIPHERS = saved;
    });
    defaults.DEFAULT_CIPHERS = tls.DEFAULT_CIPHERS.split(':')
      .filter((s) => !s.startsWith('DHE-'))
      .join(':');
    assert.deepEqual(ids(auditRuntime(bun)), ['bun-fetch:high']);
    defaults.DEFAULT_CIPHERS = `${defaults.DEFAULT_CIPHERS}:AES128-SHA`;
    assert.deepEqual(ids(auditRuntime(bun)), ['default-ciphers:medium', 'bun-fetch:high']);
  });

  it('reads node:tls defaults as they are now, after a run-time assignment', (t) => {
    const defaults = tls as unknown as { DEFAULT_MIN_VERSION: string; DEFAULT_MAX_VERSION: string; DEFAULT_CIPHERS: string };
    const saved = { min: defaults.DEFAULT_MIN_VERSION, max: defaults.DEFAULT_MAX_VERSION, ciphers: defaults.DEFAULT_CIPHERS };
    t.after(() => {
      defaults.DEFAULT_MIN_VERSION = saved.min;
      defaults.DEFAULT_MAX_VERSION = saved.max;
      defaults.DEFAULT_CIPHERS = saved.ciphers;
    });
    defaults.DEFAULT_MIN_VERSION = 'TLSv1';
    defaults.DEFAULT_MAX_VERSION = 'TLSv1.2';
    defaults.DEFAULT_CIPHERS = 'ALL:@SECLEVEL=0';
    assert.deepEqual(ids(auditRuntime(CLEAN)), ['default-min-version:high', 'default-max-version:medium', 'default-ciphers:medium']);
  });
});
