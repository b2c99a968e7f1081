import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTlsPolicy, isTlsPolicyError, MICROSOFT_365_HOSTS, MICROSOFT_365_HOSTS_BY_CLOUD } from '../src/index.js';

const policy = createTlsPolicy();

describe('scope: the built-in Microsoft 365 list', () => {
  const inScope = [
    'graph.microsoft.com',
    'login.microsoftonline.com',
    'outlook.office365.com',
    'smtp.office365.com',
    'smtp-legacy.office365.com',
    'contoso.sharepoint.com',
    'contoso-my.sharepoint.com',
    'a.b.c.sharepoint.com',
    'sharepoint.com',
    'graph.microsoft.us',
    'dod-graph.microsoft.us',
    'contoso.sharepoint-mil.us',
    'microsoftgraph.chinacloudapi.cn',
    'contoso.sharepoint.cn',
    'teams.cloud.microsoft',
  ];
  for (const host of inScope) it(`covers ${host}`, () => assert.equal(policy.appliesTo(host), true));

  const outOfScope = [
    'evilsharepoint.com',
    'sharepoint.com.evil.example',
    'graph.microsoft.com.evil.example',
    'graph-microsoft.com',
    'microsoft.com',
    'www.microsoft.com',
    'contoso.onmicrosoft.com',
    'blob.core.windows.net',
    'management.chinacloudapi.cn',
    'example.com',
    '127.0.0.1',
    '::1',
    '[::1]',
    '20.190.128.1',
  ];
  for (const host of outOfScope) it(`does not cover ${host}`, () => assert.equal(policy.appliesTo(host), false));

  it('has every cloud and no duplicates', () => {
    assert.deepEqual(Object.keys(MICROSOFT_365_HOSTS_BY_CLOUD), ['worldwide', 'gccHigh', 'dod', 'china']);
    assert.equal(new Set(MICROSOFT_365_HOSTS).size, MICROSOFT_365_HOSTS.length);
    assert.ok(Object.isFrozen(MICROSOFT_365_HOSTS));
  });
});

describe('scope: normalisation', () => {
  const same = [
    'GRAPH.MICROSOFT.COM',
    'Graph.Microsoft.Com',
    'graph.microsoft.com.',
    'graph\uFF0Emicrosoft\uFF0Ecom', // full-width dots
    'graph\u3002microsoft\u3002com', // ideographic full stops
    '\uFF27raph.microsoft.com', // full-width G, folded by IDNA mapping
    'https://graph.microsoft.com/v1.0/me?$select=id',
    'https://GRAPH.microsoft.com:443/',
    'https://user:pass@graph.microsoft.com/',
    'graph.microsoft.com:443',
    new URL('https://graph.microsoft.com/'),
  ];
  for (const input of same)
    it(`${JSON.stringify(String(input))} is graph.microsoft.com`, () => {
      assert.equal(policy.appliesTo(input), true);
      assert.equal(policy.check(input).host, 'graph.microsoft.com');
    });

  it('userinfo cannot pose as the host: https://graph.microsoft.com@evil.example/ is evil.example', () => {
    assert.equal(policy.appliesTo('https://graph.microsoft.com@evil.example/'), false);
    assert.equal(policy.check('https://graph.microsoft.com@evil.example/').host, 'evil.example');
  });

  it('Unicode look-alikes become A-labels that do not match', () => {
    assert.equal(policy.appliesTo('graph.micr\u043Esoft.com'), false); // Cyrillic o
  });

  it('undeterminable input is in scope (fail closed)', () => {
    for (const odd of [
      '',
      'graph microsoft com',
      'evil.example/graph.microsoft.com',
      'a@b',
      '%67raph.microsoft.com',
      'http://[bad',
      'x..y',
    ]) {
      assert.equal(policy.appliesTo(odd), true, JSON.stringify(odd));
    }
  });
});

describe('scope: user patterns', () => {
  it("'*.example.test' covers any depth of subdomain but not the apex", () => {
    const p = createTlsPolicy({ hosts: ['*.example.test'] });
    assert.equal(p.appliesTo('a.example.test'), true);
    assert.equal(p.appliesTo('a.b.example.test'), true);
    assert.equal(p.appliesTo('example.test'), false);
    assert.equal(p.appliesTo('badexample.test'), false);
    assert.equal(p.appliesTo('graph.microsoft.com'), false);
  });

  it('extraHosts adds to the built-in list', () => {
    const p = createTlsPolicy({ extraHosts: ['mail.contoso.example', '*.api.contoso.example'] });
    assert.equal(p.appliesTo('mail.contoso.example'), true);
    assert.equal(p.appliesTo('v1.api.contoso.example'), true);
    assert.equal(p.appliesTo('graph.microsoft.com'), true);
    assert.equal(p.appliesTo('www.contoso.example'), false);
  });

  it("'*' covers everything, IP literals included", () => {
    const p = createTlsPolicy({ hosts: '*' });
    assert.equal(p.hosts, '*');
    for (const h of ['example.com', '127.0.0.1', '::1']) assert.equal(p.appliesTo(h), true);
  });

  it('patterns are normalised (case, IDNA, trailing dot) and exact IP addresses are allowed', () => {
    const p = createTlsPolicy({ hosts: ['MAIL.Contoso.Example.', '*.b\u00FCcher.example', '10.0.0.5'] });
    assert.deepEqual(p.hosts, ['mail.contoso.example', '*.xn--bcher-kva.example', '10.0.0.5']);
    assert.equal(p.appliesTo('shop.bücher.example'), true);
    assert.equal(p.appliesTo('10.0.0.5'), true);
  });

  for (const bad of [
    '',
    '*',
    '*.',
    'a.*.example',
    'ex*ample.com',
    'https://graph.microsoft.com',
    'graph.microsoft.com/path',
    'host:443',
    '*.10.0.0.5',
    'a..b',
    ' graph.microsoft.com',
  ]) {
    it(`refuses the malformed pattern ${JSON.stringify(bad)} with ERR_TLS_POLICY_INVALID_OPTION`, () => {
      assert.throws(
        () => createTlsPolicy({ hosts: [bad] }),
        (e: unknown) =>
          isTlsPolicyError(e) && e.code === 'ERR_TLS_POLICY_INVALID_OPTION' && e.message.startsWith('policy.hosts[0] must be'),
      );
    });
  }
});
