import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

// The built package, by its own name (self-reference through the exports map), both ways.
const require = createRequire(import.meta.url);
type Api = typeof import('../src/index.js');

describe('the built package', () => {
  it('imports as ESM and requires as CommonJS with the same public names', async () => {
    const esm = (await import('m365-tls-policy')) as unknown as Api;
    const cjs = require('m365-tls-policy') as Api;
    assert.deepEqual(Object.keys(esm).sort(), Object.keys(cjs).sort());
    assert.ok(Object.keys(esm).includes('createHttpsAgent'));
    assert.notEqual(esm.TlsPolicyError, cjs.TlsPolicyError, 'two real copies');
    assert.match(require.resolve('m365-tls-policy'), /dist[\\/]commonjs[\\/]index\.js$/u);
  });

  it('errors and policies work across the two copies', async () => {
    const esm = (await import('m365-tls-policy')) as unknown as Api;
    const cjs = require('m365-tls-policy') as Api;
    const error = new cjs.TlsPolicyError('ERR_TLS_POLICY_VERSION', 'x');
    assert.ok(error instanceof esm.TlsPolicyError);
    assert.ok(esm.isTlsPolicyError(error));
    const policy = esm.createTlsPolicy({ minVersion: 'TLSv1.3' });
    assert.ok(cjs.isTlsPolicy(policy));
    assert.ok(policy instanceof cjs.TlsPolicy);
    assert.equal({} instanceof cjs.TlsPolicy, false);
    const agent = cjs.createHttpsAgent({ policy });
    assert.equal(esm.checkTlsPolicy(agent, { minVersion: 'TLSv1.3' }).ok, true);
    assert.throws(
      () => cjs.createTlsPolicy({ minVersion: 'TLSv1' as 'TLSv1.2' }),
      (e: unknown) => esm.isTlsPolicyError(e),
    );
    agent.destroy();
  });

  it('declares types first in every exports branch, and ships both declaration trees', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      exports: Record<string, unknown>;
      dependencies: Record<string, string>;
    };
    for (const [subpath, marker] of [
      ['.', 'createHttpsAgent'],
      ['./register', 'export {}'],
      ['./testing', 'startTlsServer'],
    ] as const) {
      const entry = pkg.exports[subpath] as Record<string, Record<string, string>>;
      for (const branch of ['import', 'require']) {
        assert.equal(Object.keys(entry[branch]!)[0], 'types', `${subpath} ${branch}`);
        const types = entry[branch]!['types']!;
        assert.ok(readFileSync(new URL(`../../${types}`, import.meta.url), 'utf8').includes(marker), `${subpath} ${branch}`);
        assert.ok(readFileSync(new URL(`../../${entry[branch]!['default']!}`, import.meta.url), 'utf8').length > 0);
      }
    }
    assert.deepEqual(Object.keys(pkg.dependencies).sort(), ['debug', 'tslib']);
  });

  it('m365-tls-policy/testing imports both ways, and the main entry never loads it', async () => {
    const esm = (await import('m365-tls-policy/testing')) as {
      startTlsServer?: unknown;
      expectRefused?: unknown;
      assertTlsPolicy?: unknown;
    };
    const cjs = require('m365-tls-policy/testing') as typeof esm;
    for (const api of [esm, cjs])
      for (const name of ['startTlsServer', 'startDowngradeProxy', 'expectRefused', 'expectNegotiated', 'assertTlsPolicy'])
        assert.equal(typeof (api as Record<string, unknown>)[name], 'function', name);
    const { execFileSync } = await import('node:child_process');
    const loaded = execFileSync(
      process.execPath,
      ['-e', "require('m365-tls-policy'); console.log(Object.keys(require.cache).filter((f) => f.includes('testing')).length)"],
      { cwd: new URL('../../', import.meta.url) },
    )
      .toString()
      .trim();
    assert.equal(loaded, '0');
  });
});
