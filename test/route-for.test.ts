import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routeFor } from '../src/engine/plan.js';
import { bypassesProxy } from '../src/policy/host-names.js';
import { proxyOption } from '../src/policy/options.js';

// The proxy decision for one connection (engine/plan.ts routeFor) read the way the plain client
// it stands in for reads the environment: Node's https agent ('node' rules) or undici's
// EnvHttpProxyAgent behind Node's fetch ('curl' rules). `proxyEnv` stands in for process.env.
const route = (proxyEnv: Record<string, string>, noProxyRules: 'node' | 'curl') => ({ proxy: undefined, proxyEnv, noProxyRules });

describe('routeFor: which proxy, read as the plain client reads it', () => {
  it('https: requests fall back to HTTP_PROXY for the dispatcher (as undici does), not for the agent (as Node does)', () => {
    assert.equal(
      routeFor(route({ HTTP_PROXY: 'http://proxy.test:3128' }, 'curl'), 'graph.microsoft.com', 443)?.url.host,
      'proxy.test:3128',
    );
    assert.equal(routeFor(route({ HTTP_PROXY: 'http://proxy.test:3128' }, 'node'), 'graph.microsoft.com', 443), undefined);
    assert.equal(
      routeFor(route({ HTTPS_PROXY: 'http://tls.test:1', HTTP_PROXY: 'http://plain.test:2' }, 'curl'), 'graph.microsoft.com', 443)?.url
        .host,
      'tls.test:1',
    );
  });

  it('a proxy that is not an http(s) URL is a typed error naming where it came from (Node would go direct)', () => {
    // An explicit option is parsed when the agent or dispatcher is made (proxyOption); a variable per connection.
    for (const [decide, where] of [
      [() => routeFor(route({ HTTPS_PROXY: 'socks5://proxy.test:1080' }, 'node'), 'graph.microsoft.com', 443), /^HTTPS_PROXY /u],
      [() => proxyOption('socks5://proxy.test:1080'), /^options\.proxy /u],
    ] as const) {
      assert.throws(
        decide,
        (e: Error & { code?: string }) =>
          e.code === 'ERR_TLS_POLICY_INVALID_OPTION' && where.test(e.message) && !e.message.includes('proxy.test'),
      );
    }
  });

  it("NO_PROXY: Node splits on commas only; curl and undici on spaces too; '.name' never covers notname", () => {
    const list = 'localhost graph.microsoft.com';
    assert.equal(bypassesProxy(list, 'graph.microsoft.com', 443, 'node'), false);
    assert.equal(bypassesProxy(list, 'graph.microsoft.com', 443, 'curl'), true);
    assert.equal(bypassesProxy('.microsoft.com', 'graph.microsoft.com', 443, 'node'), true);
    assert.equal(bypassesProxy('.microsoft.com', 'notmicrosoft.com', 443, 'node'), false);
    assert.equal(bypassesProxy('microsoft.com', 'graph.microsoft.com', 443, 'node'), false);
    assert.equal(bypassesProxy('microsoft.com', 'graph.microsoft.com', 443, 'curl'), true);
    assert.equal(bypassesProxy('10.0.0.1-10.0.0.9', '10.0.0.5', 443, 'node'), true);
  });
});
