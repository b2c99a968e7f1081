import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// The examples are documentation that runs: they must keep doing what the docs say.
function runExample(name: string): Promise<string> {
  const file = fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [file], { timeout: 30_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${name} failed: ${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

describe('examples', () => {
  it('https-request.mjs refuses TLS 1.0 and 1.1 and is served over TLS 1.2 and 1.3', async () => {
    const out = await runExample('https-request.mjs');
    assert.equal((out.match(/refused: ERR_TLS_POLICY_VERSION/gu) ?? []).length, 2);
    assert.equal(
      (out.match(/violation: legacy-server blocked graph\.microsoft\.com:\d+ ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION/gu) ?? []).length,
      2,
    );
    assert.match(out, /allowed: Adele Vance over TLSv1\.2\n/u);
    assert.match(out, /allowed: Adele Vance over TLSv1\.3\n/u);
  });

  it('axios.mjs passes assertTlsPolicy, refuses TLS 1.1 through axios and is served over TLS 1.3', async () => {
    const out = await runExample('axios.mjs');
    assert.match(out, /^assertTlsPolicy\(client\.defaults\.httpsAgent\): passed$/mu);
    assert.match(out, /^TLSv1\.1: refused, ERR_TLS_POLICY_VERSION/mu);
    assert.match(out, /^TLSv1\.3: allowed, Adele Vance over TLSv1\.3$/mu);
  });

  // Every client example tries a TLS 1.1 and a TLS 1.3 stand-in and prints one line for each.
  const CLIENT_EXAMPLES: Array<[string, string]> = [
    ['fetch.mjs', 'ERR_TLS_POLICY_VERSION'],
    ['got.mjs', 'ERR_TLS_POLICY_VERSION'],
    ['node-fetch.mjs', 'ERR_TLS_POLICY_VERSION'],
    ['superagent.mjs', 'ERR_TLS_POLICY_VERSION'],
    ['needle.mjs', 'ERR_TLS_POLICY_VERSION'],
    ['graph-sdk.mjs', 'ERR_TLS_POLICY_VERSION'],
    ['kiota-graph-sdk.mjs', 'ERR_TLS_POLICY_VERSION'],
    ['agents-sdk.mjs', 'ERR_TLS_POLICY_VERSION'],
    ['botbuilder.mjs', 'ERR_TLS_POLICY_VERSION'],
    ['msal-node.mjs', 'ERR_TLS_POLICY_VERSION'],
    ['azure-identity.mjs', 'ERR_TLS_POLICY_VERSION'],
    ['ews.mjs', 'ERR_TLS_POLICY_VERSION'],
    ['nodemailer.mjs', 'ESOCKET ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION'],
    ['imapflow.mjs', 'ERR_TLS_POLICY_VERSION'],
    ['proxy.mjs', 'ERR_TLS_POLICY_VERSION'],
  ];
  for (const [file, refusal] of CLIENT_EXAMPLES) {
    it(`${file} refuses TLS 1.1 (${refusal}) and is allowed over TLS 1.3`, async () => {
      const out = await runExample(file);
      const refused = out.match(/TLSv1\.1: refused \((.*)\)/gu) ?? [];
      const allowed = out.match(/TLSv1\.3: allowed \(/gu) ?? [];
      assert.ok(refused.length >= 1 && refused.every((line) => line === `TLSv1.1: refused (${refusal})`), out);
      assert.equal(allowed.length, refused.length, out);
    });
  }

  it('testing-node-test.test.mjs passes under node --test (the testing kit as a user runs it)', async () => {
    const file = fileURLToPath(new URL('../../examples/testing-node-test.test.mjs', import.meta.url));
    const out = await new Promise<string>((resolve, reject) => {
      // A node:test child of a node:test run reports to its parent, not to stdout, unless the
      // parent's test context variable is dropped.
      const env = { ...process.env };
      delete env['NODE_TEST_CONTEXT'];
      execFile(process.execPath, ['--test', '--test-reporter=tap', file], { timeout: 30_000, env }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
      );
    });
    assert.match(out, /^# pass 2$/mu);
    assert.match(out, /^# fail 0$/mu);
  });

  it('demo.mjs (npm run demo) runs to completion: legacy and attacked hosts refused on both clients, log lines shown', async () => {
    const out = await runExample('demo.mjs');
    assert.equal((out.match(/REFUSED .*ERR_TLS_POLICY_VERSION/gu) ?? []).length, 4);
    assert.equal((out.match(/REFUSED .*ERR_TLS_POLICY_DOWNGRADE/gu) ?? []).length, 2);
    assert.equal((out.match(/ALLOWED /gu) ?? []).length, 4);
    assert.equal((out.match(/log: time=\S+ kind=(legacy-server|downgrade-attack) action=blocked/gu) ?? []).length, 6);
    assert.match(out, /4 allowed, 6 refused; bytes the refused servers received: 0/u);
  });
});
