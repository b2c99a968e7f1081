import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkTlsPolicy, createHttpsAgent, createTlsPolicy, type TlsPolicy } from '../src/index.js';
import { portOf } from '../src/engine/port.js';
import { weakerIn } from '../src/policy/compare.js';
import { TESTING_CA } from '../src/testing/index.js';

// Attack on interned host scopes (policy/scope.ts) and the comparison that uses their identity
// (policy/compare.ts): no policy may end up with a scope other than the hosts it was given, and
// no narrower policy may be judged to cover a wider one.

const cfg = (p: TlsPolicy) => portOf(p).config;

describe('attack 1: interned scopes are keyed by exactly what they compile', () => {
  it('a Proxy array answering differently on each read gets the scope of the one read taken', () => {
    let reads = 0;
    const lying = new Proxy(['graph.microsoft.com'], {
      get(target, key, receiver) {
        if (key === Symbol.iterator) {
          reads += 1;
          const list = reads === 1 ? ['graph.microsoft.com'] : ['*.evil.example'];
          return () => list[Symbol.iterator]();
        }
        if (key === '0') return reads % 2 === 0 ? 'graph.microsoft.com' : '*.evil.example';
        return Reflect.get(target, key, receiver);
      },
    });
    const a = createTlsPolicy({ hosts: lying });
    const honest = createTlsPolicy({ hosts: ['graph.microsoft.com'] });
    // Whatever was read, the scope and every policy sharing its key agree with the patterns.
    const patterns = cfg(a).scope.patterns as readonly string[];
    for (const p of patterns) assert.ok(a.appliesTo(p.replace('*.', 'x.')));
    if (cfg(a).scope === cfg(honest).scope) assert.deepEqual(patterns, ['graph.microsoft.com']);
    assert.equal(honest.appliesTo('x.evil.example'), false, 'the honest policy is not poisoned');
    assert.equal(honest.appliesTo('graph.microsoft.com'), true);
  });

  it('an Array subclass whose iterator disagrees with its indexes: the honest list is not poisoned', () => {
    class Twisted extends Array<string> {
      override *[Symbol.iterator](): ArrayIterator<string> {
        yield 'login.microsoftonline.com';
      }
    }
    const t = Twisted.from(['graph.microsoft.com']) as Twisted;
    const a = createTlsPolicy({ hosts: t });
    const b = createTlsPolicy({ hosts: ['graph.microsoft.com'] });
    const c = createTlsPolicy({ hosts: ['login.microsoftonline.com'] });
    assert.equal(b.appliesTo('graph.microsoft.com'), true);
    assert.equal(b.appliesTo('login.microsoftonline.com'), false);
    assert.equal(c.appliesTo('login.microsoftonline.com'), true);
    assert.equal(c.appliesTo('graph.microsoft.com'), false);
    // a's scope matches what a itself says it applies to
    for (const p of cfg(a).scope.patterns as readonly string[]) assert.ok(a.appliesTo(p));
  });

  it('sparse arrays, String objects and toString tricks are refused, never cached', () => {
    // biome-ignore lint/suspicious/noSparseArray: the attack
    assert.throws(() => createTlsPolicy({ hosts: [, 'graph.microsoft.com'] as unknown as string[] }), {
      code: 'ERR_TLS_POLICY_INVALID_OPTION',
    });
    const trick = { toString: () => 'graph.microsoft.com' } as unknown as string;
    assert.throws(() => createTlsPolicy({ hosts: [trick] }), { code: 'ERR_TLS_POLICY_INVALID_OPTION' });
    assert.throws(() => createTlsPolicy({ hosts: [new String('graph.microsoft.com') as unknown as string] }), {
      code: 'ERR_TLS_POLICY_INVALID_OPTION',
    });
    const p = createTlsPolicy({ hosts: ['graph.microsoft.com'] });
    assert.equal(p.appliesTo('graph.microsoft.com'), true);
  });

  it("['microsoft365'] (a host list) and 'microsoft365' (the built-in list) never share a key", () => {
    const single = createTlsPolicy({ hosts: ['microsoft365'], extraHosts: ['x.example'] });
    assert.equal(single.appliesTo('graph.microsoft.com'), false);
    assert.equal(single.appliesTo('microsoft365'), true);
    const builtIn = createTlsPolicy({ hosts: 'microsoft365', extraHosts: ['x.example'] });
    assert.equal(builtIn.appliesTo('graph.microsoft.com'), true);
    const h = createTlsPolicy({ hosts: ['x.example'], extraHosts: [] });
    assert.equal(h.appliesTo('graph.microsoft.com'), false);
  });

  it('case, trailing dot, full-width dots and IDN spellings: different keys, same coverage both ways', () => {
    const pairs: [string[], string[]][] = [
      [['GRAPH.Microsoft.COM.'], ['graph.microsoft.com']],
      [['graph\u3002microsoft\uFF0Ecom'], ['graph.microsoft.com']],
      [['*.bücher.example'], ['*.xn--bcher-kva.example']],
      [['0x7f.1'], ['127.0.0.1']],
      [['[::FFFF:7f00:1]'], ['[::ffff:127.0.0.1]']],
    ];
    for (const [x, y] of pairs) {
      const a = cfg(createTlsPolicy({ hosts: x }));
      const b = cfg(createTlsPolicy({ hosts: y }));
      assert.deepEqual(weakerIn(a, b), [], `${x} covers ${y}`);
      assert.deepEqual(weakerIn(b, a), [], `${y} covers ${x}`);
    }
  });

  it('a narrower scope never covers a wider one (exact vs wildcard, apex vs wildcard, IP vs name, after cache clears)', () => {
    const narrowWide: [string[], string[]][] = [
      [['a.sharepoint.com'], ['*.sharepoint.com']],
      [['sharepoint.com'], ['*.sharepoint.com']],
      [['*.a.sharepoint.com'], ['*.sharepoint.com']],
      [['127.0.0.1'], ['127.0.0.1', 'graph.microsoft.com']],
      [['m365-tls-policy-probe.sharepoint.com'], ['*.sharepoint.com']],
      [['*.sharepoint.com'], ['*.sharepoint.com', '*.sharepoint.com.evil.example']],
    ];
    // Fill the intern map past its bound between rounds: cleared scopes must not alias.
    for (let round = 0; round < 3; round++) {
      for (const [narrow, wide] of narrowWide) {
        const n = cfg(createTlsPolicy({ hosts: narrow }));
        const w = cfg(createTlsPolicy({ hosts: wide }));
        assert.deepEqual(weakerIn(n, w), ['policy.hosts'], `${narrow} must not cover ${wide}`);
      }
      for (let i = 0; i < 300; i++) createTlsPolicy({ hosts: [`h${round}-${i}.example`] });
    }
  });

  it('through a real agent: a narrow-scope agent does not pass a wide-scope check', async () => {
    const agent = createHttpsAgent({ policy: { hosts: ['a.sharepoint.com'] }, ca: TESTING_CA });
    try {
      const r = checkTlsPolicy(agent, { hosts: ['*.sharepoint.com'] });
      assert.equal(r.ok, false);
      assert.deepEqual(
        r.violations.flatMap((v) => v.options ?? []),
        ['policy.hosts'],
      );
    } finally {
      agent.destroy();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Policy markers on clients this package made
// ---------------------------------------------------------------------------------------------
