import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';

// Outage: in a process started with `node -e` / `node -p` (and in any process that defines a
// global `__filename`, as some ESM shims do), Node puts `__filename = '[eval]'` on globalThis.
// The ESM build's requireFromHere (support/optional-require.ts) tests `typeof __filename ===
// 'string'` and calls createRequire('[eval]'), which throws ERR_INVALID_ARG_VALUE. Then:
//  - installTlsPolicy() throws, yet stays installed (hooks in place, no uninstall function
//    returned to the caller), and `_tls_wrap.connect` was silently left unwrapped (the error is
//    swallowed in connect-hook.ts tlsWrapModule);
//  - createFetchDispatcher() throws instead of loading undici.
// Closed: requireFromHere takes __filename only when it is an absolute path; the install puts its hooks in place all or nothing.

const INDEX = new URL('../src/index.js', import.meta.url).href;
const SCRIPT = `
import(${JSON.stringify(INDEX)}).then((m) => {
  const out = {};
  try {
    const before = require('node:tls').connect;
    const uninstall = m.installTlsPolicy();
    out.installed = m.installedTlsPolicy() !== undefined;
    // _tls_wrap's connect is wrapped too (read with the deprecation warning off).
    process.noDeprecation = true;
    out.tlsWrapWrapped = require('_tls_wrap').connect !== before;
    uninstall();
    out.restored = require('node:tls').connect === before && m.installedTlsPolicy() === undefined;
    out.install = 'ok';
  }
  catch (e) { out.install = 'threw ' + e.code; out.stillInstalled = m.installedTlsPolicy() !== undefined; }
  try { m.createFetchDispatcher().close(); out.dispatcher = 'ok'; }
  catch (e) { out.dispatcher = 'threw ' + e.code; }
  console.log(JSON.stringify(out));
});`;

describe('outage: the ESM build in a `node -e` process', () => {
  it('installTlsPolicy() and createFetchDispatcher() work', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['-e', SCRIPT], (error, out) => (error ? reject(error) : resolve(out)));
    });
    assert.deepEqual(
      JSON.parse(stdout),
      { installed: true, tlsWrapWrapped: true, restored: true, install: 'ok', dispatcher: 'ok' },
      stdout,
    );
  });
});
