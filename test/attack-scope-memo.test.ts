import assert from 'node:assert/strict';
import { cpSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createTlsPolicy, type TlsPolicy, type TlsPolicyOptions } from '../src/index.js';
import { weakerIn } from '../src/policy/compare.js';
import { normalizeHost } from '../src/policy/host-names.js';
import { type PolicyConfig, resolvePolicyOptions } from '../src/policy/options.js';
import { portOf } from '../src/engine/port.js';
import { sharedState } from '../src/engine/registry.js';
import { recordOf } from '../src/engine/sessions.js';
import { startTlsServer, TESTING_CA, type TestTlsServer } from '../src/testing/index.js';
import { requestThroughPolicy as request } from './helpers/policy-request.js';

// Attack on the remembered answers of weakerIn's scope comparison (policy/compare.ts, commits
// 1ac7c95 and 7fd8b58): answers per pair of compiled HostScope objects, and "same object:
// covers". Every test asserts what a connection does (isSessionReused, refusal codes) or what
// weakerIn answers, against the answer computed afresh the way it was before the change.

const configOf = (policy: TlsPolicy): PolicyConfig => portOf(policy).config;

/**
 * Scope cover computed afresh from the patterns alone (no memo, no identity shortcut, no probe
 * name): an exact pattern is covered when the actual scope matches it; `*.x` only by a `*.y`
 * of the actual scope with x = y or x under y (no list of exact names covers all names under x).
 */
function coversAfresh(actual: PolicyConfig, wanted: PolicyConfig): boolean {
  const have = actual.scope.patterns;
  if (have === '*') return true;
  if (wanted.scope.patterns === '*') return false;
  const suffixes = have.filter((p) => p.startsWith('*.')).map((p) => p.slice(2));
  return wanted.scope.patterns.every((p) => {
    if (!p.startsWith('*.')) return actual.scope.matches(normalizeHost(p));
    const x = p.slice(2);
    return suffixes.some((y) => x === y || x.endsWith(`.${y}`));
  });
}
const covers = (actual: PolicyConfig, wanted: PolicyConfig): boolean => !weakerIn(actual, wanted).includes('policy.hosts');

/** The stored sessions (process-wide store) for this server's port. */
function storedFor(server: TestTlsServer): Buffer[] {
  return [...sharedState().sessionStore.entries()].filter(([k]) => k.endsWith(`|${server.port}`)).map(([, s]) => s);
}

/** policy.tlsConnect with an explicit session; the last session the socket was issued. */
function tlsConnectOnce(
  policy: TlsPolicy,
  server: TestTlsServer,
  session?: Buffer,
): Promise<{ reused: boolean; session: Buffer | undefined }> {
  return new Promise((resolve, reject) => {
    let last: Buffer | undefined;
    let reused = false;
    const socket = policy.tlsConnect(
      {
        host: server.hostnames[0]!,
        port: server.port,
        lookup: server.lookup,
        ca: TESTING_CA,
        ...(session === undefined ? {} : { session }),
      },
      () => {
        reused = socket.isSessionReused();
        socket.end(`GET / HTTP/1.1\r\nHost: ${server.hostnames[0]}\r\nConnection: close\r\n\r\n`);
        socket.resume();
      },
    );
    socket.on('session', (s: Buffer) => (last = s));
    socket.on('close', () => resolve({ reused, session: last }));
    socket.on('error', reject);
  });
}

const NARROW = { hosts: ['api.contoso.test'] } satisfies TlsPolicyOptions;
const WIDE = { hosts: ['api.contoso.test', '*.wide.test'] } satisfies TlsPolicyOptions;

describe('attack: remembered scope answers vs session resumption', () => {
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    it(`${version}: a narrow policy's session is never resumed by a wider one, after the opposite answer was remembered`, async () => {
      const server = await startTlsServer({ versions: [version], hostnames: ['api.contoso.test'] });
      try {
        const narrow = createTlsPolicy({ ...NARROW, warnings: false });
        const wide = createTlsPolicy({ ...WIDE, warnings: false });
        assert.equal((await request(wide, server)).reused, false, 'first connection: full handshake');
        // Wide covers narrow: narrow resumes wide's session (memo now holds (wide, narrow) = true).
        assert.equal((await request(narrow, server)).reused, true, 'control: a stricter (wider) record is resumed');
        // Fresh full handshake under narrow only: a new server-side session, recorded under narrow.
        sharedState().sessionStore.clear();
        assert.equal((await request(narrow, server)).reused, false);
        const stored = storedFor(server);
        assert.equal(stored.length, 1);
        assert.notEqual(recordOf(stored[0], 'api.contoso.test', { port: portOf(narrow), inScope: true }), undefined);
        // Now ask the other direction many times: must stay "narrow does not cover wide".
        for (let i = 0; i < 3; i++) {
          assert.equal(recordOf(stored[0], 'api.contoso.test', { port: portOf(wide), inScope: true }), undefined);
          assert.deepEqual(weakerIn(configOf(narrow), configOf(wide)), ['policy.hosts']);
          assert.deepEqual(weakerIn(configOf(wide), configOf(narrow)), []);
        }
        const attempt = await request(wide, server);
        assert.equal(attempt.reused, false, "the wider policy's connection made a full handshake");
      } finally {
        await server.close();
      }
    });
  }

  it('the same compiled scope (the built-in one) does not excuse a weaker mode, floor or suites: sessions handed over by the caller', async () => {
    const server = await startTlsServer({ versions: ['TLSv1.3'] }); // graph.microsoft.com
    try {
      const enforce = createTlsPolicy({ warnings: false });
      const report = createTlsPolicy({ mode: 'report', warnings: false });
      const floor13 = createTlsPolicy({ minVersion: 'TLSv1.3', warnings: false });
      const nodeDefault = createTlsPolicy({ ciphers: 'node-default', warnings: false });
      // All share the one built-in scope object: the identity shortcut answers "covers".
      for (const p of [report, floor13, nodeDefault]) assert.equal(configOf(p).scope, configOf(enforce).scope);
      const issue = async (p: TlsPolicy): Promise<Buffer> => {
        sharedState().sessionStore.clear(); // a full handshake (a resumed one is issued no new session here)
        const { session, reused } = await tlsConnectOnce(p, server);
        assert.equal(reused, false);
        assert.ok(session, 'a session was issued');
        return session;
      };
      // Control: the same strictness resumes (the test can fail).
      assert.equal((await tlsConnectOnce(enforce, server, await issue(enforce))).reused, true, 'control: enforce -> enforce resumes');
      assert.equal((await tlsConnectOnce(report, server, await issue(enforce))).reused, true, 'control: enforce -> report resumes');
      // Weaker record -> stricter planner: never offered.
      assert.equal(
        (await tlsConnectOnce(enforce, server, await issue(report))).reused,
        false,
        'report-mode session not resumed under enforce',
      );
      assert.equal(
        (await tlsConnectOnce(floor13, server, await issue(enforce))).reused,
        false,
        'TLSv1.2-floor session not resumed under a TLSv1.3 floor',
      );
      assert.equal(
        (await tlsConnectOnce(enforce, server, await issue(nodeDefault))).reused,
        false,
        "'node-default' session not resumed under 'strong'",
      );
    } finally {
      await server.close();
    }
  });

  it("'*' scopes: a '*' record covers a narrow planner; a narrow record never covers a '*' planner; two '*' policies cover each other", async () => {
    const server = await startTlsServer({ versions: ['TLSv1.3'], hostnames: ['api.contoso.test'] });
    try {
      const star1 = createTlsPolicy({ hosts: '*', warnings: false });
      const star2 = createTlsPolicy({ hosts: '*', warnings: false });
      const narrow = createTlsPolicy({ ...NARROW, warnings: false });
      assert.equal(configOf(star1).scope, configOf(star2).scope, "'*' policies share one frozen scope");
      assert.ok(Object.isFrozen(configOf(star1).scope));
      assert.equal((await request(star1, server)).reused, false);
      assert.equal((await request(star2, server)).reused, true, "'*' record resumed by another '*' policy");
      assert.equal((await request(narrow, server)).reused, true, "'*' record resumed by a narrow policy");
      sharedState().sessionStore.clear();
      assert.equal((await request(narrow, server)).reused, false);
      assert.equal((await request(star1, server)).reused, false, "a narrow record is not resumed under '*'");
      assert.equal((await request(star2, server)).reused, true, "(star1's fresh session resumed by star2)");
    } finally {
      await server.close();
    }
  });

  it('order, duplicates and extraHosts: equal scopes compiled apart cover each other; microsoft365 + extraHosts vs the built-in one', async () => {
    const server = await startTlsServer({ versions: ['TLSv1.3'] }); // graph.microsoft.com
    try {
      const builtIn = createTlsPolicy({ warnings: false });
      const plus = createTlsPolicy({ extraHosts: ['api.contoso.test'], warnings: false });
      assert.notEqual(configOf(plus).scope, configOf(builtIn).scope);
      assert.equal((await request(plus, server)).reused, false);
      assert.equal((await request(builtIn, server)).reused, true, 'a wider record (built-in + extra) is resumed by the built-in policy');
      sharedState().sessionStore.clear();
      assert.equal((await request(builtIn, server)).reused, false);
      assert.equal((await request(plus, server)).reused, false, 'a built-in record is not resumed by built-in + extraHosts');
    } finally {
      await server.close();
    }
    const a = resolvePolicyOptions({ hosts: ['B.contoso.test', 'a.contoso.test', 'a.contoso.test.', 'A.CONTOSO.TEST'] });
    const b = resolvePolicyOptions({ hosts: ['a.contoso.test'], extraHosts: ['b.contoso.test'] });
    assert.deepEqual(a.scope.patterns, ['b.contoso.test', 'a.contoso.test'], 'duplicates are dropped after normalisation');
    assert.deepEqual(weakerIn(a, b), []);
    assert.deepEqual(weakerIn(b, a), []);
  });
});

describe('attack: can a compiled scope change after its answer is remembered?', () => {
  it('a compiled scope, its patterns and the policy config are frozen; writes throw and change no answer', () => {
    const narrow = createTlsPolicy(NARROW);
    const wide = createTlsPolicy(WIDE);
    const n = configOf(narrow);
    assert.deepEqual(weakerIn(n, configOf(wide)), ['policy.hosts']); // remembered
    const scope = n.scope as unknown as Record<string, unknown>;
    assert.throws(() => {
      scope['patterns'] = '*';
    }, TypeError);
    assert.throws(() => {
      scope['matches'] = () => true;
    }, TypeError);
    assert.throws(() => (n.scope.patterns as string[]).push('*.wide.test'), TypeError);
    assert.throws(() => Object.defineProperty(scope, 'patterns', { get: () => '*' }), TypeError);
    assert.throws(() => Object.setPrototypeOf(scope, { patterns: '*' }), TypeError);
    assert.throws(() => {
      (n as unknown as Record<string, unknown>)['scope'] = configOf(wide).scope;
    }, TypeError);
    for (const s of [configOf(createTlsPolicy()).scope, configOf(createTlsPolicy({ hosts: '*' })).scope]) {
      assert.ok(Object.isFrozen(s), 'built-in and * scopes are frozen too');
    }
    assert.deepEqual(weakerIn(n, configOf(wide)), ['policy.hosts']);
    assert.equal(coversAfresh(n, configOf(wide)), false);
  });

  it("the caller's hosts array (plain or a Proxy answering differently on each read) is copied at compile time", () => {
    const hosts = ['api.contoso.test'];
    const narrow = createTlsPolicy({ hosts });
    const wide = createTlsPolicy(WIDE);
    assert.deepEqual(weakerIn(configOf(narrow), configOf(wide)), ['policy.hosts']);
    hosts.push('*.wide.test');
    assert.deepEqual(narrow.hosts, ['api.contoso.test']);
    assert.deepEqual(weakerIn(configOf(narrow), configOf(wide)), ['policy.hosts'], 'mutating the input array widens nothing');

    let reads = 0;
    const shifty = new Proxy(['api.contoso.test'], {
      get(target, key, receiver) {
        if (key === '0') return reads++ === 0 ? 'api.contoso.test' : '*.wide.test';
        return Reflect.get(target, key, receiver);
      },
    });
    const p = createTlsPolicy({ hosts: shifty });
    const before = weakerIn(configOf(p), configOf(wide));
    void shifty[0];
    void shifty[0];
    assert.deepEqual(weakerIn(configOf(p), configOf(wide)), before, 'the same answer after the Proxy changed its mind');
    assert.equal(covers(configOf(p), configOf(wide)), coversAfresh(configOf(p), configOf(wide)));
    assert.deepEqual(p.hosts, configOf(p).scope.patterns);
  });

  it('policies made from equal host lists share one frozen scope; a list that changes its answers cannot file a scope under another key', () => {
    const a = createTlsPolicy({ extraHosts: ['api.contoso.test', '*.wide.test'] });
    const b = createTlsPolicy({ extraHosts: ['api.contoso.test', '*.wide.test'] });
    const c = createTlsPolicy({ extraHosts: ['api.contoso.test'] });
    assert.equal(configOf(a).scope, configOf(b).scope, 'equal lists: one scope');
    assert.notEqual(configOf(a).scope, configOf(c).scope, 'different lists: different scopes');
    assert.deepEqual(weakerIn(configOf(c), configOf(a)), ['policy.hosts']);
    // A list that answers 'graph.microsoft.com' and 'example.test' in turn: a cache keyed by one
    // read and filled from another would file example.test's scope under graph.microsoft.com's
    // key for some of these policies, and a later honest policy would get it.
    let reads = 0;
    const shifty = new Proxy(['graph.microsoft.com'], {
      get(target, key, receiver) {
        if (key === '0') return reads++ % 2 === 0 ? 'graph.microsoft.com' : 'example.test';
        return Reflect.get(target, key, receiver);
      },
    });
    for (let i = 0; i < 4; i++) createTlsPolicy({ hosts: shifty });
    assert.ok(reads >= 4, 'the list was read');
    const victim = createTlsPolicy({ hosts: ['graph.microsoft.com'] });
    assert.equal(victim.appliesTo('graph.microsoft.com'), true, 'the honest policy covers the host it names');
    assert.equal(victim.appliesTo('example.test'), false);
    assert.deepEqual(victim.hosts, ['graph.microsoft.com']);
  });

  it('Object.prototype pollution (patterns, matches, scope) changes no answer and no resumption', async () => {
    const server = await startTlsServer({ versions: ['TLSv1.3'], hostnames: ['api.contoso.test'] });
    const proto = Object.prototype as unknown as Record<string, unknown>;
    try {
      const narrow = createTlsPolicy({ ...NARROW, warnings: false });
      const wide = createTlsPolicy({ ...WIDE, warnings: false });
      assert.equal((await request(narrow, server)).reused, false);
      proto['patterns'] = '*';
      proto['matches'] = () => true;
      proto['scope'] = configOf(createTlsPolicy({ hosts: '*' })).scope;
      const polluted = createTlsPolicy({ ...NARROW, warnings: false });
      assert.deepEqual(weakerIn(configOf(narrow), configOf(wide)), ['policy.hosts']);
      assert.deepEqual(weakerIn(configOf(polluted), configOf(wide)), ['policy.hosts']);
      assert.equal((await request(wide, server)).reused, false, 'narrow record not resumed under wide, prototype polluted');
    } finally {
      delete proto['patterns'];
      delete proto['matches'];
      delete proto['scope'];
      await server.close();
    }
  });

  it('IP patterns: 127.1 / 127.0.0.1 and ::1 / [::1] / 0:0::1 compile alike and compare alike, both ways', () => {
    const v4a = resolvePolicyOptions({ hosts: ['127.0.0.1'] });
    const v4b = resolvePolicyOptions({ hosts: ['127.1'] });
    const v6 = ['::1', '[::1]', '0:0:0:0:0:0:0:1'].map((h) => resolvePolicyOptions({ hosts: [h] }));
    const both = resolvePolicyOptions({ hosts: ['127.0.0.1', '::1'] });
    assert.deepEqual(weakerIn(v4a, v4b), []);
    assert.deepEqual(weakerIn(v4b, v4a), []);
    for (const x of v6) for (const y of v6) assert.deepEqual(weakerIn(x, y), []);
    assert.deepEqual(weakerIn(v4a, both), ['policy.hosts']);
    assert.deepEqual(weakerIn(v6[0]!, both), ['policy.hosts']);
    assert.deepEqual(weakerIn(both, v4a), []);
    // An IP takes no wildcard, so no '*.0.0.1' can be taken to cover 127.0.0.1.
    assert.throws(() => resolvePolicyOptions({ hosts: ['*.0.0.1'] }), { code: 'ERR_TLS_POLICY_INVALID_OPTION' });
  });

  it('property: weakerIn with remembered answers equals the answer computed afresh, over random scopes and call orders', () => {
    const PATTERNS = [
      'a.contoso.test',
      'A.Contoso.Test.',
      'b.contoso.test',
      '*.contoso.test',
      '*.a.contoso.test',
      '*.test',
      'contoso.test',
      // (not m365-tls-policy-probe.contoso.test: the probe name has tests of its own, below)
      '127.0.0.1',
      '127.1',
      '::1',
      '[::1]',
      'graph.microsoft.com',
      '*.sharepoint.com',
      'bücher.test',
      'xn--bcher-kva.test',
    ];
    const spec = fc.record({
      hosts: fc.oneof(
        fc.constant('microsoft365' as const),
        fc.constant('*' as const),
        fc.array(fc.constantFrom(...PATTERNS), { maxLength: 5 }),
      ),
      extraHosts: fc.array(fc.constantFrom(...PATTERNS), { maxLength: 3 }),
      minVersion: fc.constantFrom('TLSv1.2' as const, 'TLSv1.3' as const),
      mode: fc.constantFrom('enforce' as const, 'report' as const),
      ciphers: fc.constantFrom('strong' as const, 'node-default' as const),
    });
    fc.assert(
      fc.property(
        fc.array(spec, { minLength: 1, maxLength: 6 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 40 }),
        (specs, calls) => {
          const configs = specs.map((s) => resolvePolicyOptions(s.hosts === '*' ? { ...s, extraHosts: undefined } : s));
          for (const [i, j] of calls) {
            const actual = configs[i % configs.length]!;
            const wanted = configs[j % configs.length]!;
            const afresh =
              (actual.mode !== 'enforce' && wanted.mode === 'enforce') ||
              (actual.minVersion === 'TLSv1.2' && wanted.minVersion === 'TLSv1.3') ||
              (wanted.ciphers === 'strong' && actual.ciphers !== 'strong') ||
              !coversAfresh(actual, wanted);
            assert.equal(
              weakerIn(actual, wanted).length > 0,
              afresh,
              JSON.stringify({ actual: actual.scope.patterns, wanted: wanted.scope.patterns }),
            );
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('attack: two copies of the package (shared registry state, separate memos)', () => {
  const copyDir = new URL('../copy-attack-memo/src/', import.meta.url);
  let other: typeof import('../src/index.js');
  before(async () => {
    cpSync(new URL('../src/', import.meta.url), copyDir, { recursive: true });
    other = (await import(new URL('index.js', copyDir).href)) as typeof import('../src/index.js');
  });
  after(() => rmSync(new URL('../copy-attack-memo/', import.meta.url), { recursive: true, force: true }));

  it("a session recorded by copy B's narrow policy is never resumed by copy A's wide policy (and the converse control resumes)", async () => {
    assert.notEqual(other.createTlsPolicy, createTlsPolicy, 'a real second copy');
    const server = await startTlsServer({ versions: ['TLSv1.3'], hostnames: ['api.contoso.test'] });
    try {
      const wideA = createTlsPolicy({ ...WIDE, warnings: false });
      const narrowB = other.createTlsPolicy({ ...NARROW, warnings: false });
      const wideB = other.createTlsPolicy({ ...WIDE, warnings: false });
      const narrowA = createTlsPolicy({ ...NARROW, warnings: false });
      // Warm both memos in the permissive direction first.
      assert.deepEqual(weakerIn(configOf(wideA), configOf(narrowB as unknown as TlsPolicy)), []);
      assert.equal((await request(wideB as unknown as TlsPolicy, server)).reused, false);
      assert.equal((await request(narrowA, server)).reused, true, 'control: copy B wide record resumed by copy A narrow');
      sharedState().sessionStore.clear();
      assert.equal((await request(narrowB as unknown as TlsPolicy, server)).reused, false);
      assert.equal((await request(wideA, server)).reused, false, "copy B's narrow record is not resumed under copy A's wide policy");
    } finally {
      await server.close();
    }
  });
});
