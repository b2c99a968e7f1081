import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHttpsAgent, createTlsPolicy, isTlsPolicyError, type TlsPolicyOptions } from '../src/index.js';

const CASES: Array<[string, unknown, RegExp]> = [
  [
    'unknown key',
    { minversion: 'TLSv1.2' },
    /^policy\.minversion is not an option; the options are: minVersion, hosts, extraHosts, mode, ciphers, insecureOptions, logger, logConnections, warnings$/u,
  ],
  ['legacy floor', { minVersion: 'TLSv1' }, /^policy\.minVersion must be one of 'TLSv1\.2', 'TLSv1\.3' \(got "TLSv1"\)$/u],
  ['non-string floor', { minVersion: 1.2 }, /^policy\.minVersion must be one of .* \(got 1\.2\)$/u],
  ['mode', { mode: 'audit' }, /^policy\.mode must be one of 'enforce', 'report' \(got "audit"\)$/u],
  ['ciphers', { ciphers: 'DEFAULT' }, /^policy\.ciphers must be one of 'strong', 'node-default'/u],
  ['insecureOptions', { insecureOptions: 'ignore' }, /^policy\.insecureOptions must be one of 'override', 'refuse'/u],
  ['hosts type', { hosts: 'graph.microsoft.com' }, /^policy\.hosts must be 'microsoft365', '\*' or an array of host patterns/u],
  ['extraHosts type', { extraHosts: 'x.example' }, /^policy\.extraHosts must be an array of host patterns/u],
  ['non-string pattern', { extraHosts: [42] }, /^policy\.extraHosts\[0\] must be a host name/u],
  ['not an object', 'enforce', /^policy must be an object of TlsPolicyOptions or a TlsPolicy \(got "enforce"\)$/u],
];

describe('policy options are validated at creation', () => {
  for (const [name, options, message] of CASES) {
    it(`${name}: ERR_TLS_POLICY_INVALID_OPTION naming the option and the allowed values`, () => {
      assert.throws(
        () => createTlsPolicy(options as TlsPolicyOptions),
        (e: unknown) => isTlsPolicyError(e) && e.code === 'ERR_TLS_POLICY_INVALID_OPTION' && message.test(e.message),
      );
    });
  }

  it('createHttpsAgent validates its policy option with the option path', () => {
    assert.throws(
      () => createHttpsAgent({ policy: { mode: 'off' } as unknown as TlsPolicyOptions }),
      (e: unknown) => isTlsPolicyError(e) && e.message.startsWith('policy.mode must be'),
    );
    assert.throws(
      () => createHttpsAgent({ policy: 'strict' as unknown as TlsPolicyOptions }),
      (e: unknown) => isTlsPolicyError(e) && e.message.startsWith('options.policy must be'),
    );
  });

  it('defaults: TLSv1.2 floor, enforce, strong ciphers, override, Microsoft 365 hosts', () => {
    const p = createTlsPolicy();
    assert.deepEqual(
      { minVersion: p.minVersion, mode: p.mode, ciphers: p.ciphers, insecureOptions: p.insecureOptions },
      { minVersion: 'TLSv1.2', mode: 'enforce', ciphers: 'strong', insecureOptions: 'override' },
    );
    assert.ok(Array.isArray(p.hosts) && p.hosts.includes('graph.microsoft.com') && p.hosts.includes('*.sharepoint.com'));
  });

  it('long bad values are not echoed back whole', () => {
    assert.throws(
      () => createTlsPolicy({ mode: 'x'.repeat(500) } as unknown as TlsPolicyOptions),
      (e: unknown) => isTlsPolicyError(e) && e.message.endsWith('(got a string of 500 characters)'),
    );
  });
});
