import assert from 'node:assert/strict';
import tls from 'node:tls';
import { describe, it } from 'node:test';
import { createTlsPolicy, isTlsPolicyError, STRONG_TLS12_CIPHERS } from '../src/index.js';
import { recordEvents } from './helpers/events.js';
import { CA, lookup } from './helpers/fixtures.js';
import { withServers } from './helpers/tls-server.js';

function connect(port: number, options: tls.ConnectionOptions): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ port, host: 'smtp.office365.com', lookup, ca: CA, ...options }, () => resolve(socket));
    socket.on('error', reject);
  });
}

describe('policy.tlsOptions for libraries that take TLS options (nodemailer, imapflow)', () => {
  it('hardens an in-scope host: floor, TLS 1.3 maximum, strong suites, verification, SNI', () => {
    const policy = createTlsPolicy();
    const events = recordEvents(policy);
    const options = policy.tlsOptions('SMTP.Office365.com', { minVersion: 'TLSv1', rejectUnauthorized: false, ca: CA });
    assert.equal(options.minVersion, 'TLSv1.2');
    assert.equal(options.maxVersion, 'TLSv1.3');
    // The security level is stated in the context, so OPENSSL_CONF cannot lower it (docs/security.md).
    assert.equal(options.ciphers, `${STRONG_TLS12_CIPHERS.join(':')}:@SECLEVEL=2`);
    assert.equal(options.rejectUnauthorized, true);
    assert.equal(options.servername, 'smtp.office365.com');
    assert.equal(options.ca, CA);
    assert.deepEqual(
      events.violations.map((v) => [v.kind, v.action, v.options]),
      [['insecure-options', 'overridden', ['minVersion', 'rejectUnauthorized']]],
    );
  });

  it('returns an unchanged copy for an out-of-scope host', () => {
    const base = { minVersion: 'TLSv1' as const, rejectUnauthorized: false };
    const options = createTlsPolicy().tlsOptions('mail.example.com', base);
    assert.deepEqual(options, base);
    assert.notEqual(options, base);
  });

  it("throws ERR_TLS_POLICY_INSECURE_OPTIONS under insecureOptions: 'refuse'", () => {
    assert.throws(
      () => createTlsPolicy({ insecureOptions: 'refuse' }).tlsOptions('smtp.office365.com', { secureProtocol: 'TLSv1_method' }),
      (e: unknown) =>
        isTlsPolicyError(e) && e.code === 'ERR_TLS_POLICY_INSECURE_OPTIONS' && e.violations[0]?.options?.[0] === 'secureProtocol',
    );
  });

  it('in report mode returns the caller options and reports', () => {
    const policy = createTlsPolicy({ mode: 'report' });
    const events = recordEvents(policy);
    assert.deepEqual(policy.tlsOptions('smtp.office365.com', { minVersion: 'TLSv1' }), { minVersion: 'TLSv1' });
    assert.equal(events.violations[0]?.action, 'reported');
  });

  it('hardened options keep a raw tls.connect off a TLS 1.1 server, and verifySocket passes a TLS 1.3 one', async () => {
    await withServers([{ versions: ['TLSv1.1'] }, { versions: ['TLSv1.3'] }], async ([legacy, modern]) => {
      const policy = createTlsPolicy();
      const weak = { minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0', ca: CA } as const;
      await assert.rejects(connect(legacy!.port, policy.tlsOptions('smtp.office365.com', weak)), {
        code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
      });
      const plain = await connect(legacy!.port, weak);
      assert.equal(plain.getProtocol(), 'TLSv1.1', 'without the policy the same options do reach TLS 1.1');
      assert.deepEqual(
        policy.verifySocket(plain).violations.map((v) => v.kind),
        ['below-floor', 'weak-cipher'],
      );
      plain.destroy();
      const good = await connect(modern!.port, policy.tlsOptions('smtp.office365.com', { ca: CA }));
      assert.equal(policy.verifySocket(good).ok, true);
      good.destroy();
    });
  });

  it('rejects bad arguments with ERR_TLS_POLICY_INVALID_OPTION', () => {
    const policy = createTlsPolicy();
    assert.throws(
      () => policy.tlsOptions(42 as unknown as string),
      (e: unknown) => isTlsPolicyError(e) && e.message.startsWith('host must be'),
    );
    assert.throws(
      () => policy.tlsOptions('smtp.office365.com', null as unknown as tls.ConnectionOptions),
      (e: unknown) => isTlsPolicyError(e) && e.message.startsWith('base must be'),
    );
  });
});
