import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHttpsAgent, createTlsPolicy, installTlsPolicy, type TlsPolicyOptions } from '../src/index.js';
import { weakerIn } from '../src/policy/compare.js';
import { resolvePolicyOptions } from '../src/policy/options.js';
import { findTlsPolicyError, startTlsServer } from '../src/testing/index.js';
import { requestThroughPolicy as request } from './helpers/policy-request.js';

// Not the memo: the probe of scopeCovers, found by this attack and older than the memo. A `*.x`
// pattern of the wanted policy is "covered" when the actual policy matches one made-up name under
// x. It was m365-tls-policy-probe.x, a name a policy could list: a policy naming only that host
// passed for one covering all of *.x (and, under an install, its agent's TLS 1.0 connection went
// out with the request). The probe is now a name no pattern can list.
describe('attack: the probe name of scopeCovers', () => {
  const INSTALLED = { hosts: ['*.contoso.test'] } satisfies TlsPolicyOptions;
  const PROBE_ONLY = { hosts: ['m365-tls-policy-probe.contoso.test'] } satisfies TlsPolicyOptions;

  it('weakerIn: a policy naming only m365-tls-policy-probe.contoso.test is not as wide as *.contoso.test', () => {
    const wanted = resolvePolicyOptions(INSTALLED);
    assert.deepEqual(weakerIn(resolvePolicyOptions({ hosts: ['other.contoso.test'] }), wanted), ['policy.hosts'], 'control');
    assert.deepEqual(weakerIn(resolvePolicyOptions(PROBE_ONLY), wanted), ['policy.hosts']);
  });

  it('the probe name itself cannot be listed (a label may not end in "-"), as a host or under a wildcard', () => {
    for (const hosts of [['m365-tls-policy-probe-.contoso.test'], ['*.m365-tls-policy-probe-.contoso.test']])
      assert.throws(() => createTlsPolicy({ hosts }), { code: 'ERR_TLS_POLICY_INVALID_OPTION' }, JSON.stringify(hosts));
    assert.throws(() => createTlsPolicy({ extraHosts: ['m365-tls-policy-probe-.contoso.test'] }), {
      code: 'ERR_TLS_POLICY_INVALID_OPTION',
    });
  });

  it('checker: the agent of a probe-name-only policy fails the check of *.contoso.test', () => {
    const wanted = createTlsPolicy(INSTALLED);
    const control = createHttpsAgent({ policy: createTlsPolicy({ hosts: ['other.contoso.test'] }) });
    const agent = createHttpsAgent({ policy: createTlsPolicy(PROBE_ONLY) });
    try {
      assert.equal(wanted.check(control).ok, false, 'control: a narrower agent fails');
      assert.equal(wanted.check(agent).ok, false, 'the probe-name agent fails');
    } finally {
      control.destroy();
      agent.destroy();
    }
  });

  it('install: a TLS 1.0 connection to legacy.contoso.test through a probe-name-only policy agent is refused by the installed *.contoso.test policy', async () => {
    const server = await startTlsServer({ versions: ['TLSv1'], hostnames: ['legacy.contoso.test'], key: 'rsa' });
    const installed = createTlsPolicy({ ...INSTALLED, warnings: false });
    const uninstall = installTlsPolicy(installed);
    const legacy = { minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' };
    const attempt = async (
      policyOptions: TlsPolicyOptions,
    ): Promise<{ refused: string | undefined; protocol: string | null; bytes: number }> => {
      const bytes = server.bytesReceived;
      try {
        const { protocol } = await request(createTlsPolicy({ ...policyOptions, warnings: false }), server, 'legacy.contoso.test', legacy);
        return { refused: undefined, protocol, bytes: server.bytesReceived - bytes };
      } catch (error) {
        return { refused: findTlsPolicyError(error)?.code ?? String(error), protocol: null, bytes: server.bytesReceived - bytes };
      }
    };
    try {
      const control = await attempt({ hosts: ['other.contoso.test'] });
      assert.notEqual(control.refused, undefined, `control: refused by the install ${JSON.stringify(control)}`);
      assert.equal(control.bytes, 0);
      const probe = await attempt(PROBE_ONLY);
      assert.deepEqual(probe, { refused: control.refused, protocol: null, bytes: 0 }, 'the probe-name agent is refused alike');
    } finally {
      uninstall();
      await server.close();
    }
  });

  it('long patterns are compared as stored: a long wildcard covers itself, a long IDN name is not covered by an unrelated scope', () => {
    // *.x with x about 1,000 characters: its probe name is longer than a host name normalizeHost reads.
    const x = `${Array.from({ length: 16 }, (_, i) => `${'a'.repeat(59)}${String(i).padStart(2, '0')}`).join('.')}.contoso.test`;
    const wildcardOnly = resolvePolicyOptions({ hosts: [`*.${x}`] });
    const wildcardAndMore = resolvePolicyOptions({ hosts: [`*.${x}`, 'other.contoso.test'] });
    assert.notEqual(wildcardOnly.scope, wildcardAndMore.scope, 'two compiled scopes (not the identity shortcut)');
    assert.deepEqual(weakerIn(wildcardAndMore, wildcardOnly), [], 'a scope with *.x covers *.x, however long x is');
    assert.deepEqual(weakerIn(wildcardOnly, wildcardAndMore), ['policy.hosts']);
    // An IDN name whose A-label form (over 1,300 characters) is longer than normalizeHost reads:
    // asked about again it read as "unknown", which every scope matches.
    const idn = `${Array.from({ length: 64 }, () => 'ü'.repeat(14)).join('.')}.test`;
    const longName = resolvePolicyOptions({ hosts: [idn] });
    assert.ok((longName.scope.patterns as readonly string[])[0]!.length > 1012, 'the stored pattern is long');
    assert.deepEqual(weakerIn(resolvePolicyOptions({ hosts: ['graph.microsoft.com'] }), longName), ['policy.hosts']);
  });
});
