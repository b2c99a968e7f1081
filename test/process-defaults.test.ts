import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CA } from './helpers/fixtures.js';
import { withServers } from './helpers/tls-server.js';

// A child process whose NODE_OPTIONS lower the whole runtime, as one line in a deployment can.
const CHILD = `
import * as https from 'node:https';
import { readFileSync } from 'node:fs';
const { createHttpsAgent } = await import(process.env.PKG);
const ca = readFileSync(process.env.CA_FILE);
const lookup = (h, o, cb) => (o && o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4));
const get = (agent) => new Promise((resolve) => {
  https.get({ host: 'graph.microsoft.com', port: Number(process.env.PORT), agent, ca, lookup }, (res) => {
    let body = ''; res.on('data', (c) => (body += c)); res.on('end', () => resolve({ body }));
  }).on('error', (e) => resolve({ code: e.code }));
});
const plain = await get(new https.Agent());
const policy = await get(createHttpsAgent());
console.log(JSON.stringify({ plain, policy }));
process.exit(0);
`;

describe('NODE_OPTIONS that weaken the runtime', () => {
  it('--tls-min-v1.0 --tls-cipher-list=DEFAULT@SECLEVEL=0 reaches TLSv1 with a plain agent, never with the policy agent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'm365-tls-policy-'));
    try {
      const script = join(dir, 'child.mjs');
      const caFile = join(dir, 'ca.pem');
      writeFileSync(caFile, CA);
      writeFileSync(script, CHILD);
      await withServers([{ versions: ['TLSv1'] }], async ([server]) => {
        const stdout = await new Promise<string>((resolve, reject) => {
          execFile(
            process.execPath,
            [script],
            {
              env: {
                ...process.env,
                NODE_OPTIONS: '--tls-min-v1.0 --tls-cipher-list=DEFAULT@SECLEVEL=0',
                PKG: new URL('../../dist/esm/index.js', import.meta.url).href,
                CA_FILE: caFile,
                PORT: String(server!.port),
              },
              timeout: 20_000,
            },
            (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
          );
        });
        assert.deepEqual(JSON.parse(stdout), { plain: { body: 'ok TLSv1' }, policy: { code: 'ERR_TLS_POLICY_VERSION' } });
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
