import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createFetchDispatcher, createHttpsAgent, createTlsPolicy, installTlsPolicy, isTlsPolicyError } from '../src/index.js';

// Class (smaller): configuration errors echo the offending value. A host pattern pasted as a
// URL with credentials ('https://user:s3cret@mail.contoso.com') is refused, rightly, but the
// message quotes the whole string (values up to 64 characters are shown), so the password
// lands in the crash log, the CI output or the register module's stderr line.

const SECRET = 's3cret';
const WITH_CREDENTIALS = `https://user:${SECRET}@mail.contoso.com`;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  assert.fail('expected the configuration to be refused');
}

describe('security: configuration errors do not echo credentials', () => {
  const ENTRY_POINTS: Array<[string, () => unknown]> = [
    ['createTlsPolicy({ extraHosts })', () => createTlsPolicy({ extraHosts: [WITH_CREDENTIALS] })],
    ['createTlsPolicy({ hosts })', () => createTlsPolicy({ hosts: [WITH_CREDENTIALS] })],
    ['createHttpsAgent({ policy: { extraHosts } })', () => createHttpsAgent({ policy: { extraHosts: [WITH_CREDENTIALS] } })],
    ['createFetchDispatcher({ policy: { extraHosts } })', () => createFetchDispatcher({ policy: { extraHosts: [WITH_CREDENTIALS] } })],
    ['installTlsPolicy({ extraHosts })', () => installTlsPolicy({ extraHosts: [WITH_CREDENTIALS] })],
  ];
  for (const [name, fn] of ENTRY_POINTS) {
    it(`${name}: refused, and the message does not contain the password`, () => {
      const error = thrownBy(fn);
      assert.ok(isTlsPolicyError(error), String(error));
      assert.equal(error.code, 'ERR_TLS_POLICY_INVALID_OPTION');
      assert.ok(!error.message.includes(SECRET), `the message leaks the password: ${error.message}`);
      assert.ok(!JSON.stringify(error).includes(SECRET), 'nor does any property of the error');
    });
  }

  it('M365_TLS_POLICY_HOSTS with credentials: the register entry stops the process without printing the password', async () => {
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'm365-tls-policy/register', '-e', 'console.log("application ran")'],
        {
          cwd: ROOT,
          timeout: 30_000,
          env: { ...process.env, M365_TLS_POLICY_HOSTS: `mail.contoso.example,${WITH_CREDENTIALS}`, DEBUG: '' },
        },
        (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    assert.equal(result.code, 1, 'the process stops at start-up');
    assert.equal(result.stdout, '', 'the application never ran');
    assert.match(result.stderr, /M365_TLS_POLICY_HOSTS/u, 'the message still names the variable');
    assert.ok(!result.stderr.includes(SECRET), `stderr leaks the password: ${result.stderr.trim()}`);
  });
});
