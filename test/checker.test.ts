import assert from 'node:assert/strict';
import * as https from 'node:https';
import tls from 'node:tls';
import { describe, it } from 'node:test';
import {
  assertTlsPolicy,
  checkTlsPolicy,
  createHttpsAgent,
  createTlsPolicy,
  isPolicyAgent,
  isTlsPolicyError,
  TlsPolicyError,
  type TlsPolicy,
} from '../src/index.js';
import { CA, lookup } from './helpers/fixtures.js';
import { withServers } from './helpers/tls-server.js';

describe('checkTlsPolicy on URLs and hosts', () => {
  it('an https URL to Microsoft 365 passes on a stock runtime', () => {
    assert.deepEqual(checkTlsPolicy('https://graph.microsoft.com/v1.0/me'), {
      ok: true,
      inScope: true,
      host: 'graph.microsoft.com',
      violations: [],
    });
  });

  it('cleartext http: to an in-scope host is a violation', () => {
    const report = checkTlsPolicy('http://outlook.office365.com/EWS/Exchange.asmx');
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.violations.map((v) => [v.kind, v.options]),
      [['insecure-options', ['protocol']]],
    );
  });

  it('out-of-scope targets are ok and carry no violations', () => {
    assert.deepEqual(checkTlsPolicy('http://example.com/'), { ok: true, inScope: false, host: 'example.com', violations: [] });
  });
});

describe('checkTlsPolicy on options', () => {
  const weakening: Array<[string, tls.ConnectionOptions]> = [
    ['minVersion', { minVersion: 'TLSv1.1' }],
    ['maxVersion', { maxVersion: 'TLSv1.2' }],
    ['secureProtocol', { secureProtocol: 'TLS_method' }],
    ['ciphers', { ciphers: 'DEFAULT:@SECLEVEL=0' }],
    ['ciphers', { ciphers: 'HIGH' }],
    ['ciphers', { ciphers: 'ECDHE-RSA-AES128-SHA' }],
    ['secureOptions', { secureOptions: 0x20000000 }],
    ['rejectUnauthorized', { rejectUnauthorized: false }],
    ['secureContext', { secureContext: tls.createSecureContext() }],
    ['sigalgs', { sigalgs: 'RSA+SHA1' }],
    ['minDHSize', { minDHSize: 512 }],
  ];
  for (const [name, options] of weakening) {
    it(`flags ${name} (${JSON.stringify(options[name as keyof tls.ConnectionOptions]) ?? 'object'}) for an in-scope host`, () => {
      const report = checkTlsPolicy({ host: 'graph.microsoft.com', ...options });
      assert.equal(report.ok, false);
      assert.equal(report.violations[0]?.kind, 'insecure-options');
      assert.deepEqual(report.violations[0]?.options, [name]);
      assert.equal(report.violations[0]?.action, undefined, 'static reports carry no action');
    });
  }

  it('judges options for an out-of-scope host as fine', () => {
    assert.equal(checkTlsPolicy({ host: 'example.com', minVersion: 'TLSv1' }).ok, true);
  });

  it('options without any host are in scope (fail closed)', () => {
    const report = checkTlsPolicy({ minVersion: 'TLSv1' });
    assert.equal(report.inScope, true);
    assert.equal(report.ok, false);
  });

  it('narrowing options pass: TLS 1.3 floor, a subset of the strong suites, exclusions', () => {
    for (const options of [
      { minVersion: 'TLSv1.3' },
      { ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:!aNULL' },
      { ciphers: 'TLS_AES_128_GCM_SHA256' },
    ] as tls.ConnectionOptions[]) {
      assert.equal(checkTlsPolicy({ host: 'graph.microsoft.com', ...options }).ok, true, JSON.stringify(options));
    }
  });

  it("under ciphers: 'node-default', Node's own list and explicit non-broken suites pass, RC4 and aliases do not", () => {
    const policy = { ciphers: 'node-default' } as const;
    assert.equal(checkTlsPolicy({ host: 'graph.microsoft.com', ciphers: 'AES256-GCM-SHA384' }, policy).ok, true);
    assert.equal(checkTlsPolicy({ host: 'graph.microsoft.com', ciphers: 'RC4-MD5' }, policy).ok, false);
    assert.equal(checkTlsPolicy({ host: 'graph.microsoft.com', ciphers: 'ALL' }, policy).ok, false);
  });

  it('request options with a policy agent pass: the agent overrides them', () => {
    const agent = createHttpsAgent();
    assert.equal(checkTlsPolicy({ host: 'graph.microsoft.com', agent, rejectUnauthorized: false } as https.RequestOptions).ok, true);
    agent.destroy();
  });
});

describe('checkTlsPolicy on process defaults', () => {
  it('a runtime assignment to tls.DEFAULT_MIN_VERSION fails a URL and a plain agent, not a policy agent', (t) => {
    const defaults = tls as unknown as { DEFAULT_MIN_VERSION: string };
    const saved = defaults.DEFAULT_MIN_VERSION;
    t.after(() => {
      defaults.DEFAULT_MIN_VERSION = saved;
    });
    defaults.DEFAULT_MIN_VERSION = 'TLSv1';
    const url = checkTlsPolicy('https://graph.microsoft.com/');
    assert.deepEqual(
      url.violations.map((v) => v.options),
      [['tls.DEFAULT_MIN_VERSION']],
    );
    const plain = new https.Agent();
    assert.equal(checkTlsPolicy(plain).ok, false);
    assert.equal(checkTlsPolicy(new https.Agent({ minVersion: 'TLSv1.2' })).ok, true, 'explicit options beat the default');
    const agent = createHttpsAgent();
    assert.equal(checkTlsPolicy(agent).ok, true);
    agent.destroy();
  });

  it('NODE_TLS_REJECT_UNAUTHORIZED=0 is flagged where the options do not set rejectUnauthorized', (t) => {
    const saved = process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
    t.after(() => {
      if (saved === undefined) delete process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
      else process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = saved;
    });
    process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0';
    assert.deepEqual(checkTlsPolicy({ host: 'graph.microsoft.com' }).violations[0]?.options, ['NODE_TLS_REJECT_UNAUTHORIZED']);
    assert.equal(checkTlsPolicy({ host: 'graph.microsoft.com', rejectUnauthorized: true }).ok, true);
  });
});

describe('checkTlsPolicy and assertTlsPolicy on agents', () => {
  it('a default policy agent passes; a report-mode or weaker-floor policy agent does not', () => {
    const good = createHttpsAgent();
    const report = createHttpsAgent({ policy: { mode: 'report' } });
    const lax = createHttpsAgent({ policy: { ciphers: 'node-default', hosts: ['graph.microsoft.com'] } });
    assert.equal(checkTlsPolicy(good).ok, true);
    assert.deepEqual(checkTlsPolicy(report).violations[0]?.options, ['policy.mode']);
    assert.deepEqual(checkTlsPolicy(lax).violations[0]?.options, ['policy.ciphers', 'policy.hosts']);
    assert.deepEqual(checkTlsPolicy(good, { minVersion: 'TLSv1.3' }).violations[0]?.options, ['policy.minVersion']);
    for (const a of [good, report, lax]) a.destroy();
  });

  it('a policy marker is believed only on an agent this package made, naming a policy it made (fail closed)', () => {
    const MARKER = Symbol.for('m365-tls-policy.agent');
    const strict = createTlsPolicy({ minVersion: 'TLSv1.3' });
    const genuinePort = (strict as unknown as Record<symbol, object | undefined>)[Symbol.for('m365-tls-policy.policy-internals')];
    assert.ok(genuinePort !== undefined, 'the setup reads the real port shape');
    const weak = { minVersion: 'TLSv1', rejectUnauthorized: false, ciphers: 'ALL' } as const;
    const marked = (value: unknown): https.Agent => {
      const agent = new https.Agent(weak);
      Object.defineProperty(agent, MARKER, { value });
      return agent;
    };
    const real = createHttpsAgent({ policy: strict });
    const forgeries = {
      // A plain, weak agent dressed up with a genuine policy.
      'a genuine policy': marked(strict),
      // ... with a copy of a genuine policy's port (an object no policy made).
      'a look-alike policy': marked({ [Symbol.for('m365-tls-policy.policy-internals')]: { ...genuinePort } }),
      // ... with a marker naming no policy at all.
      'an empty object': marked({}),
      true: marked(true),
    };
    try {
      assert.equal(checkTlsPolicy(real).ok, true, 'control: an agent this package made with that policy passes');
      assert.equal(isPolicyAgent(real), true);
      for (const [what, agent] of Object.entries(forgeries)) {
        const report = checkTlsPolicy(agent);
        assert.equal(report.ok, false, what);
        assert.deepEqual(report.violations[0]?.options, ['policy'], what);
        assert.match(report.violations[0]?.message ?? '', /did not make it or its policy/u, what);
        assert.throws(() => assertTlsPolicy(agent), { code: 'ERR_TLS_POLICY_INSECURE_OPTIONS' }, what);
        assert.equal(isPolicyAgent(agent), false, what);
        // As the agent of weak request options: the options are judged, not waved through.
        const viaOptions = checkTlsPolicy({ host: 'graph.microsoft.com', agent, ...weak });
        assert.equal(viaOptions.ok, false, `${what} (request options)`);
        assert.ok(
          viaOptions.violations.some((v) => v.options?.includes('minVersion')),
          `${what}: ${JSON.stringify(viaOptions.violations)}`,
        );
      }
    } finally {
      real.destroy();
      for (const agent of Object.values(forgeries)) agent.destroy();
    }
  });

  it('scope comparison, remembered per pair of scopes, still answers each direction on its own', () => {
    const narrow = createTlsPolicy({ hosts: ['graph.microsoft.com'] });
    const wide = createTlsPolicy({ extraHosts: ['api.contoso.example'] });
    const built = createTlsPolicy();
    // Asked twice each way: a remembered answer for (narrow, wide) must not answer (wide, narrow).
    const agentOf = (policy?: TlsPolicy): https.Agent => {
      const agent = createHttpsAgent(policy === undefined ? {} : { policy });
      agents.push(agent);
      return agent;
    };
    const agents: https.Agent[] = [];
    try {
      for (let round = 0; round < 2; round++) {
        assert.deepEqual(checkTlsPolicy(agentOf(narrow), built).violations[0]?.options, ['policy.hosts']);
        assert.deepEqual(checkTlsPolicy(agentOf(built), narrow).violations, []);
        assert.deepEqual(checkTlsPolicy(agentOf(wide), built).violations, []);
        assert.deepEqual(checkTlsPolicy(agentOf(built), wide).violations[0]?.options, ['policy.hosts']);
        // Two default policies share the built-in scope: each covers the other.
        assert.deepEqual(checkTlsPolicy(agentOf(), createTlsPolicy()).violations, []);
      }
    } finally {
      for (const agent of agents) agent.destroy();
    }
  });

  it('assertTlsPolicy throws a TlsPolicyError that lists every violation', () => {
    const agent = new https.Agent({ minVersion: 'TLSv1', rejectUnauthorized: false });
    assert.throws(
      () => assertTlsPolicy(agent),
      (e: unknown) =>
        e instanceof TlsPolicyError &&
        e.code === 'ERR_TLS_POLICY_INSECURE_OPTIONS' &&
        /minVersion, rejectUnauthorized/u.test(e.message) &&
        e.violations.length === 1,
    );
    agent.destroy();
  });

  it('assertTlsPolicy on a missing agent (undefined) is a clear invalid-argument error, not a pass', () => {
    assert.throws(
      () => assertTlsPolicy(undefined as unknown as https.Agent),
      (e: unknown) => isTlsPolicyError(e) && e.code === 'ERR_TLS_POLICY_INVALID_OPTION' && e.message.startsWith('target must be'),
    );
  });

  it('policy.assert is the same check bound to a policy', () => {
    const policy = createTlsPolicy({ minVersion: 'TLSv1.3' });
    assert.throws(
      () => policy.assert({ host: 'graph.microsoft.com', minVersion: 'TLSv1.2' }),
      (e: unknown) => isTlsPolicyError(e),
    );
    policy.assert({ host: 'graph.microsoft.com', minVersion: 'TLSv1.3' });
  });
});

describe('checkTlsPolicy and verifySocket on live sockets', () => {
  function connect(port: number, options: tls.ConnectionOptions): Promise<tls.TLSSocket> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: 'graph.microsoft.com', servername: 'graph.microsoft.com', port, ca: CA, lookup, ...options }, () =>
        resolve(socket),
      );
      socket.on('error', reject);
    });
  }

  it('a TLS 1.3 socket passes; a TLS 1.1 socket with a weak suite and no verification fails on each count', async () => {
    await withServers([{ versions: ['TLSv1.3'] }, { versions: ['TLSv1.1'] }], async ([modern, legacy]) => {
      const good = await connect(modern!.port, {});
      assert.deepEqual(checkTlsPolicy(good), { ok: true, inScope: true, host: 'graph.microsoft.com', violations: [] });
      good.destroy();
      const bad = await connect(legacy!.port, {
        minVersion: 'TLSv1',
        ciphers: 'DEFAULT:@SECLEVEL=0',
        ca: undefined,
        rejectUnauthorized: false,
      });
      const report = createTlsPolicy().verifySocket(bad);
      assert.equal(report.ok, false);
      assert.deepEqual(
        report.violations.map((v) => v.kind),
        ['below-floor', 'weak-cipher', 'unverified-peer'],
      );
      assert.equal(report.violations[0]?.protocol, 'TLSv1.1');
      bad.destroy();
    });
  });
});
