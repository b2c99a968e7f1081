import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

// What the library does on a runtime that ignores one of its seams, checked here on Node.js by
// posing as Bun (process.versions.bun) in a child process; test/bun/run.mjs runs the real thing
// under Bun in CI.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRIES = { esm: pathToFileURL(join(ROOT, 'dist/esm/index.js')).href, cjs: join(ROOT, 'dist/commonjs/index.js') };

function asBun(entry: 'esm' | 'cjs', body: string): Promise<string> {
  const load = entry === 'esm' ? `await import(${JSON.stringify(ENTRIES.esm)})` : `require(${JSON.stringify(ENTRIES.cjs)})`;
  const script = `Object.defineProperty(process.versions, 'bun', { value: '1.4.5' });
(async () => { const lib = ${load}; ${body} })().catch((e) => { console.log('THREW', e.code); });`;
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['-e', script], { cwd: ROOT, timeout: 20_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(stderr)) : resolve(stdout.trim()),
    ),
  );
}

describe('on Bun, seams Bun ignores fail loudly', () => {
  for (const entry of ['esm', 'cjs'] as const) {
    it(`createFetchDispatcher and createMsalNetworkClient throw ERR_TLS_POLICY_UNSUPPORTED_RUNTIME (${entry})`, async () => {
      const out = await asBun(
        entry,
        `for (const make of [() => lib.createFetchDispatcher(), () => lib.createMsalNetworkClient({ dispatcher: {} })]) {
          try { make(); console.log('created'); } catch (e) { console.log(e.name, e.code, lib.isTlsPolicyError(e), e.message.includes("Bun's fetch ignores the dispatcher")); }
        }`,
      );
      assert.deepEqual(out.split('\n'), Array(2).fill('TlsPolicyError ERR_TLS_POLICY_UNSUPPORTED_RUNTIME true true'));
    });
  }

  it('the runtime audit reports bun-fetch (high) at install, as a finding', async () => {
    const out = await asBun(
      'esm',
      `const policy = lib.createTlsPolicy({ warnings: false }); const ids = [];
      policy.on('finding', (f) => ids.push(f.id + ':' + f.severity));
      lib.installTlsPolicy(policy)(); console.log(ids.filter((id) => id.startsWith('bun-')).join());`,
    );
    assert.equal(out, 'bun-fetch:high');
  });
});
