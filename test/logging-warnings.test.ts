import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { startTlsServer, type TestTlsServer } from '../src/testing/index.js';

// Audible by default, checked in child processes (process warnings are process-wide): a policy
// nobody listens to turns its violations into TlsPolicyWarning warnings, once per kind and host
// per minute, the held-back ones written at exit; Node's own switches and `warnings: false` apply.
const PKG = new URL('../../dist/esm/index.js', import.meta.url).href;

let server: TestTlsServer;
before(async () => {
  server = await startTlsServer({ versions: ['TLSv1.1'] });
});
after(() => server.close());

/** An app that sends `count` requests with a Bearer token to the legacy server through a policy agent. */
function app(policyOptions: string, count: number, extra = ''): string {
  return `
    import * as https from 'node:https';
    const { createHttpsAgent, createTlsPolicy } = await import(process.env.PKG);
    const policy = createTlsPolicy(${policyOptions});
    ${extra}
    const agent = createHttpsAgent({ policy, keepAlive: false });
    const lookup = (h, o, cb) => (o && o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4));
    const codes = [];
    for (let i = 0; i < ${count}; i++) {
      codes.push(await new Promise((resolve) => https.get({ host: 'graph.microsoft.com', port: Number(process.env.PORT), lookup, agent,
        headers: { authorization: 'Bearer warnings-secret' } }, (r) => { r.resume(); resolve('ok'); }).on('error', (e) => resolve(e.code))));
    }
    console.log(JSON.stringify(codes));
  `;
}

function run(code: string, nodeArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...nodeArgs, '--input-type=module', '-e', code],
      { env: { ...process.env, NODE_OPTIONS: '', NODE_NO_WARNINGS: '', DEBUG: '', ...env, PKG, PORT: String(server.port) } },
      (error, stdout, stderr) => (error ? reject(Object.assign(error, { stderr })) : resolve({ stdout, stderr })),
    );
  });
}

const warningLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.includes('TlsPolicyWarning'));

describe('audible by default: process warnings', () => {
  it('a default policy with no listener: one warning per kind and host, the held-back count at exit, no secret', async () => {
    const r = await run(app('', 3));
    assert.deepEqual(JSON.parse(r.stdout), ['ERR_TLS_POLICY_VERSION', 'ERR_TLS_POLICY_VERSION', 'ERR_TLS_POLICY_VERSION']);
    const lines = warningLines(r.stderr);
    assert.equal(lines.length, 2, r.stderr);
    assert.match(
      lines[0] ?? '',
      /\[ERR_TLS_POLICY_VERSION\] TlsPolicyWarning: TLS policy blocked legacy-server: graph\.microsoft\.com:\d+: /u,
    );
    assert.match(
      lines[1] ?? '',
      /\[ERR_TLS_POLICY_VERSION\] TlsPolicyWarning: TLS policy: 2 more legacy-server \(blocked\) for graph\.microsoft\.com/u,
    );
    assert.ok(!r.stderr.includes('warnings-secret'));
  });

  it('report mode is audible without any configuration', async () => {
    const r = await run(app("{ mode: 'report' }", 1));
    assert.match(warningLines(r.stderr)[0] ?? '', /TlsPolicyWarning: TLS policy reported legacy-server/u);
  });

  it('the violation is reachable from the warning object (process.on("warning"))', async () => {
    const r = await run(
      app(
        '',
        1,
        "const { isTlsPolicyWarning } = await import(process.env.PKG); process.on('warning', (w) => { if (isTlsPolicyWarning(w)) console.error('seen ' + w.code + ' ' + w.violation.kind + ' ' + w.violation.host); });",
      ),
    );
    assert.match(r.stderr, /seen ERR_TLS_POLICY_VERSION legacy-server graph\.microsoft\.com/u);
  });

  for (const [name, args, env, options, extra] of [
    ['--no-warnings', ['--no-warnings'], {}, '', ''],
    ['NODE_NO_WARNINGS=1', [], { NODE_NO_WARNINGS: '1' }, '', ''],
    ['warnings: false', [], {}, '{ warnings: false }', ''],
    ['a violation listener', [], {}, '', "policy.on('violation', () => {});"],
    ['a logger', [], {}, '{ logger: { warn() {} } }', ''],
  ] as const) {
    it(`none with ${name}`, async () => {
      const r = await run(app(options, 2, extra), [...args], env);
      assert.deepEqual(JSON.parse(r.stdout), ['ERR_TLS_POLICY_VERSION', 'ERR_TLS_POLICY_VERSION'], 'the refusals happened');
      assert.deepEqual(warningLines(r.stderr), []);
    });
  }
});
