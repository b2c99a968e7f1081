import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createTlsPolicy } from '../src/index.js';

// The built-in scope against Microsoft's own endpoint list (data/microsoft365-endpoints/): the
// generator's rule, and its output kept in step with the saved data.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

type Cloud = 'worldwide' | 'gccHigh' | 'dod' | 'china';
interface Row {
  readonly cloud: Cloud;
  readonly id: number;
  readonly category: string;
  readonly name: string;
}
interface Generator {
  readonly CLOUDS: readonly { readonly key: Cloud }[];
  readonly M365_DOMAINS: readonly string[];
  decide(name: string, category: string): { pattern?: string; widened?: boolean; reason?: string };
  generate(root: string): {
    readonly files: Readonly<Record<string, string>>;
    readonly hostsByCloud: Readonly<Record<Cloud, readonly string[]>>;
    readonly taken: readonly (Row & { readonly pattern: string; readonly widened: boolean })[];
    readonly excluded: readonly (Row & { readonly reason: string })[];
  };
}
const generator = (await import(pathToFileURL(join(ROOT, 'scripts', 'generate-m365-hosts.mjs')).href)) as Generator;
const generated = generator.generate(ROOT);

describe('scope data: the generator', () => {
  for (const [path, text] of Object.entries(generated.files)) {
    it(`${path} is what the script makes of the saved data (else: node scripts/generate-m365-hosts.mjs)`, () => {
      assert.equal(readFileSync(join(ROOT, path), 'utf8'), text);
    });
  }

  it('every generated pattern is one the scope compiler accepts', () => {
    for (const { key } of generator.CLOUDS) assert.doesNotThrow(() => createTlsPolicy({ hosts: generated.hostsByCloud[key] }), key);
  });

  it('widens only onto a Microsoft 365 domain, and takes wildcards only under one', () => {
    const isM365 = (domain: string): boolean => generator.M365_DOMAINS.some((d) => domain === d || domain.endsWith(`.${d}`));
    const wildcards = generated.taken.filter((r) => r.pattern.startsWith('*.'));
    assert.ok(wildcards.length > 0);
    for (const r of wildcards) assert.ok(isM365(r.pattern.slice(2)), `${r.cloud} set ${r.id}: ${r.name} -> ${r.pattern}`);
    for (const r of generated.taken.filter((t) => t.widened)) assert.notEqual(r.pattern, r.name);
  });

  it('has no generic or third-party domain on the Microsoft 365 list', () => {
    for (const broad of [
      'microsoft.com',
      'microsoft.us',
      'windows.net',
      'live.com',
      'onmicrosoft.com',
      'onmicrosoft.us',
      'onmschina.cn',
      'chinacloudapi.cn',
      'usgovcloudapi.net',
      'apps.mil',
      'trafficmanager.net',
      'azureedge.net',
      'akamaihd.net',
      'msecnd.net',
      'linkedin.com',
    ]) {
      assert.ok(!generator.M365_DOMAINS.includes(broad), broad);
    }
  });

  const cases: readonly [name: string, category: string, expected: string | null][] = [
    ['graph.microsoft.com', 'Allow', 'graph.microsoft.com'],
    ['graph.windows.net', 'Allow', 'graph.windows.net'],
    ['graph.windows.net', 'Default', null], // a Default set takes Microsoft 365 domains only
    ['admin.microsoft.com', 'Default', null],
    ['*.microsoft.com', 'Default', null],
    ['*.chinacloudapi.cn', 'Allow', null], // an Allow set's wildcard over a shared domain
    ['microsoftgraph.chinacloudapi.cn', 'Allow', 'microsoftgraph.chinacloudapi.cn'],
    ['*.office.com', 'Default', '*.office.com'],
    ['*cdn.onenote.net', 'Default', '*.onenote.net'], // not expressible: widened
    ['<tenant>.sharepoint.com', 'Optimize', '*.sharepoint.com'],
    ['<tenant>-my.sharepoint.com', 'Optimize', '*.sharepoint.com'],
    ['autodiscover.<tenant>.onmicrosoft.com', 'Default', null], // never widened onto a tenant domain
    ['*.onmicrosoft.com', 'Default', null],
    ['spoprod-a.akamaihd.net', 'Default', null],
    ['*.azureedge.net', 'Default', null],
    ['platform.linkedin.com', 'Default', null],
    ['*.search.production.us.trafficmanager.net', 'Default', null],
  ];
  for (const [name, category, expected] of cases) {
    it(`${category} ${name} -> ${expected ?? 'left out'}`, () => {
      const decision = generator.decide(name, category);
      assert.equal(decision.pattern ?? null, expected);
      if (expected === null) assert.ok(decision.reason !== undefined && decision.reason.length > 0);
    });
  }
});
