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
    assert.equal((out.match(/violation: legacy-server blocked graph\.microsoft\.com:\d+ ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION/gu) ?? []).length, 2);
    assert.match(out, /allowed: Adele Vance over TLSv1\.2\n/u);
    assert.match(out, /allowed: Adele Vance over TLSv1\.3\n/u);
  });

  it('axios.mjs passes assertTlsPolicy, refuses TLS 1.1 through axios and is served over TLS 1.3', async () => {
    const out = await runExample('axios.mjs');
    assert.match(out, /^assertTlsPolicy\(client\.defaults\.httpsAgent\): passed$/mu);
    assert.match(out, /^TLSv1\.1: refused, ERR_TLS_POLICY_VERSION/mu);
    assert.match(out, /^TLSv1\.3: allowed, Adele Vance over TLSv1\.3$/mu);
  });
});
