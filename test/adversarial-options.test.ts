import assert from 'node:assert/strict';
import { constants } from 'node:crypto';
import * as https from 'node:https';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { createHttpsAgent, createTlsPolicy, isTlsPolicyError, type PolicyViolation } from '../src/index.js';
import { startTlsServer, type TestTlsServer } from '../src/testing/index.js';

// Every weakening option, alone and in every combination, in each place a caller (or a
// library) can put it: per request, in the agent's options, written into agent.options after
// creation. Against a TLS 1.0-only Microsoft 365 host, every one must be refused with
// ERR_TLS_POLICY_VERSION, zero bytes sent, and the weakening options named (never valued).
const WEAKENING: Record<string, unknown> = {
  minVersion: 'TLSv1',
  maxVersion: 'TLSv1',
  secureProtocol: 'TLSv1_method',
  ciphers: 'DEFAULT:@SECLEVEL=0',
  secureOptions: constants.SSL_OP_NO_TLSv1_3 | constants.SSL_OP_NO_TLSv1_2,
  rejectUnauthorized: false,
  secureContext: tls.createSecureContext({ minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' }),
  sigalgs: 'RSA+SHA1:RSA+SHA256',
  checkServerIdentity: () => undefined, // composed, never skipped: not reported, but must not help
};
const NAMES = Object.keys(WEAKENING);
const REPORTED = NAMES.filter((n) => n !== 'checkServerIdentity');
const ALL_COMBINATIONS = Array.from({ length: 2 ** NAMES.length }, (_, mask) => NAMES.filter((_, i) => mask & (1 << i)));

let server: TestTlsServer;
before(async () => {
  server = await startTlsServer({ versions: ['TLSv1'] });
});
after(() => server.close());

type Placement = 'per request' | 'agent options' | 'agent.options after creation';

async function attempt(combination: string[], placement: Placement): Promise<{ error: unknown; violations: PolicyViolation[] }> {
  const options = Object.fromEntries(combination.map((n) => [n, WEAKENING[n]]));
  const policy = createTlsPolicy();
  const violations: PolicyViolation[] = [];
  policy.on('violation', (v) => violations.push(v));
  const agent = createHttpsAgent({ policy, keepAlive: false, ...(placement === 'agent options' ? options : {}) });
  if (placement === 'agent.options after creation') Object.assign(agent.options, options);
  const error = await new Promise<unknown>((resolve) => {
    https
      .get(
        {
          host: 'graph.microsoft.com',
          port: server.port,
          lookup: server.lookup,
          ca: server.ca,
          agent,
          ...(placement === 'per request' ? options : {}),
        },
        (res) => {
          res.resume();
          resolve(undefined);
        },
      )
      .on('error', resolve);
  });
  agent.destroy();
  return { error, violations };
}

function check(combination: string[], outcome: { error: unknown; violations: PolicyViolation[] }): void {
  assert.ok(isTlsPolicyError(outcome.error), `[${combination.join(', ')}] was not refused by the policy: ${String(outcome.error)}`);
  assert.equal(outcome.error.code, 'ERR_TLS_POLICY_VERSION', `[${combination.join(', ')}]`);
  const expected = REPORTED.filter((n) => combination.includes(n));
  const named = outcome.violations.find((v) => v.kind === 'insecure-options')?.options ?? [];
  assert.deepEqual(named, expected, `[${combination.join(', ')}]`);
  const text = JSON.stringify(outcome.violations);
  assert.ok(!text.includes('SECLEVEL') && !text.includes('TLSv1_method') && !text.includes('RSA+SHA1'), 'option values never appear');
}

describe('adversarial: weakening options, alone and combined', () => {
  for (const placement of ['per request', 'agent options', 'agent.options after creation'] as const) {
    it(`all ${ALL_COMBINATIONS.length} combinations, ${placement}, are refused`, async () => {
      for (const combination of ALL_COMBINATIONS) check(combination, await attempt(combination, placement));
      assert.equal(server.bytesReceived, 0);
    });
  }

  it('process defaults lowered at run time, with every option combined, still do not lower the floor', async (t) => {
    const defaults = tls as unknown as { DEFAULT_MIN_VERSION: string; DEFAULT_MAX_VERSION: string; DEFAULT_CIPHERS: string };
    const saved = { min: defaults.DEFAULT_MIN_VERSION, max: defaults.DEFAULT_MAX_VERSION, ciphers: defaults.DEFAULT_CIPHERS };
    t.after(() =>
      Object.assign(defaults, { DEFAULT_MIN_VERSION: saved.min, DEFAULT_MAX_VERSION: saved.max, DEFAULT_CIPHERS: saved.ciphers }),
    );
    Object.assign(defaults, { DEFAULT_MIN_VERSION: 'TLSv1', DEFAULT_MAX_VERSION: 'TLSv1.2', DEFAULT_CIPHERS: 'DEFAULT:@SECLEVEL=0' });
    check([], await attempt([], 'per request'));
    check(NAMES, await attempt(NAMES, 'per request'));
    assert.equal(server.bytesReceived, 0);
  });
});
