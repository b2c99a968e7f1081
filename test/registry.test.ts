import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { REGISTRY_PROTOCOL } from '../src/engine/registry.js';
import { PACKAGE_VERSION } from '../src/support/version.js';
import { createHttpsAgent, installTlsPolicy, isTlsPolicyError } from '../src/index.js';

const run = promisify(execFile);
const PKG = new URL('../../dist/esm/index.js', import.meta.url).href;

/** Runs ESM code in a fresh process (a clean globalThis) and returns what it printed. */
async function child(code: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { env: { ...process.env, PKG } });
  return stdout.trim();
}

describe('the registry shared between copies of the package', () => {
  it('names this copy by the version in package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(PACKAGE_VERSION, pkg.version);
  });

  it('a policy from a copy of another protocol is refused at once, naming both copies', () => {
    const foreign = { [Symbol.for('m365-tls-policy.policy-internals')]: { protocol: REGISTRY_PROTOCOL + 1 } };
    for (const attempt of [() => createHttpsAgent({ policy: foreign as never }), () => installTlsPolicy(foreign as never)]) {
      assert.throws(attempt, (error: unknown) => {
        assert.ok(isTlsPolicyError(error));
        assert.equal(error.code, 'ERR_TLS_POLICY_INCOMPATIBLE_COPY');
        assert.match(
          error.message,
          new RegExp(`this one \\(${PACKAGE_VERSION.replaceAll('.', '\\.')}, protocol ${REGISTRY_PROTOCOL}\\)`, 'u'),
        );
        assert.match(error.message, new RegExp(`protocol ${REGISTRY_PROTOCOL + 1}`, 'u'));
        return true;
      });
    }
  });

  it('shared state of another protocol (a newer copy, or 0.1.0 with its unversioned keys) fails closed', async () => {
    for (const [setup, other] of [
      [
        "Object.defineProperty(globalThis, Symbol.for('m365-tls-policy.shared-state'), { value: { protocol: 99, createdBy: '9.9.9' } });",
        '9.9.9, protocol 99',
      ],
      ["globalThis[Symbol.for('m365-tls-policy.installed')] = { policy: {} };", '0.1.0 or older, protocol 0'],
    ] as const) {
      const out = await child(`${setup}
        const { installTlsPolicy } = await import(process.env.PKG);
        try { installTlsPolicy(); console.log('installed'); } catch (e) { console.log(e.code + ' ' + e.message); }`);
      assert.match(out, /^ERR_TLS_POLICY_INCOMPATIBLE_COPY /u);
      assert.ok(out.includes(other), out);
    }
  });

  it('the same protocol cooperates: with nothing foreign loaded the install works (the test can fail)', async () => {
    const out = await child(`const { installTlsPolicy, installedTlsPolicy } = await import(process.env.PKG);
      const uninstall = installTlsPolicy(); console.log(installedTlsPolicy() ? 'installed' : 'none'); uninstall();`);
    assert.equal(out, 'installed');
  });
});
