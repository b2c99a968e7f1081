import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// An application that installed this package but not undici: only the runtime dependencies.
function installWithoutUndici(): string {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const app = mkdtempSync(join(tmpdir(), 'm365-tls-policy-app-'));
  const pkg = join(app, 'node_modules', 'm365-tls-policy');
  mkdirSync(pkg, { recursive: true });
  cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
  cpSync(join(root, 'dist'), join(pkg, 'dist'), { recursive: true });
  for (const dep of ['debug', 'ms', 'tslib']) symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep), 'dir');
  return app;
}

function run(app: string, file: string, source: string): Promise<string> {
  writeFileSync(join(app, file), source);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(app, file)], { cwd: app, timeout: 20_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout.trim()),
    );
  });
}

const PROBE = (load: string) => `
${load}
let result;
try { m.createFetchDispatcher(); result = 'no error'; } catch (e) { result = e.code + ' ' + /npm install undici/.test(e.message); }
console.log(typeof m.createHttpsAgent, result);
`;

describe('without undici installed', () => {
  it('the package still imports (ESM and CommonJS); createFetchDispatcher says what to install', async () => {
    const app = installWithoutUndici();
    try {
      const esm = await run(app, 'probe.mjs', PROBE("const m = await import('m365-tls-policy');"));
      const cjs = await run(app, 'probe.cjs', PROBE("const m = require('m365-tls-policy');"));
      assert.equal(esm, 'function ERR_TLS_POLICY_MISSING_DEPENDENCY true');
      assert.equal(cjs, 'function ERR_TLS_POLICY_MISSING_DEPENDENCY true');
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });
});
