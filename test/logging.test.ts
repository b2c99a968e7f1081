import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureDebug } from './helpers/debug-capture.js';
import { createHttpsAgent, createTlsPolicy, type PolicyViolation } from '../src/index.js';
import { request } from './helpers/client.js';
import { withServers } from './helpers/tls-server.js';

const SECRETS = ['eyJhbGciOiJSUzI1NiJ9.SECRET-TOKEN', 'SECRET-COOKIE', 'SECRET-QUERY', 'SECRET-BODY', 'SECRET-PASSPHRASE'];

describe('violation and connection logs', () => {
  it('carry host, port, kind, action and codes, and never a secret the request carried', async (t) => {
    const lines = captureDebug(t);
    await withServers([{ versions: ['TLSv1'] }, { versions: ['TLSv1.3'] }], async ([legacy, modern]) => {
      const events: PolicyViolation[] = [];
      for (const mode of ['enforce', 'report'] as const) {
        const policy = createTlsPolicy({ mode });
        policy.on('violation', (v) => events.push(v));
        const agent = createHttpsAgent({ policy });
        const secretful = {
          path: `/v1.0/me?code=${SECRETS[2]}&x=1`,
          headers: { authorization: `Bearer ${SECRETS[0]}`, cookie: `session=${SECRETS[1]}` },
          passphrase: SECRETS[4],
          minVersion: 'TLSv1',
          rejectUnauthorized: false,
        } as const;
        await request(agent, 'graph.microsoft.com', legacy!.port, secretful, SECRETS[3]);
        await request(agent, 'graph.microsoft.com', modern!.port, secretful, SECRETS[3]);
        agent.destroy();
      }
      const violationLines = lines.filter((l) => l.includes('m365-tls-policy:violation'));
      assert.ok(violationLines.length >= 3, `expected violation lines, got:\n${lines.join('\n')}`);
      assert.ok(lines.some((l) => l.includes('m365-tls-policy:connection')));
      const legacyLine = violationLines.find((l) => l.includes('kind=legacy-server'));
      assert.match(
        legacyLine ?? '',
        /time=\S+ kind=legacy-server action=blocked host=graph\.microsoft\.com port=\d+ servername=graph\.microsoft\.com code=ERR_TLS_POLICY_VERSION nodeCode=ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION/u,
      );
      const everything = [...lines, JSON.stringify(events)].join('\n');
      for (const secret of SECRETS) assert.equal(everything.includes(secret), false, `leaked ${secret}`);
    });
  });

  it('peer- or caller-controlled text cannot start a forged log line', async (t) => {
    const lines = captureDebug(t);
    await withServers([{ versions: ['TLSv1'] }], async ([server]) => {
      const agent = createHttpsAgent();
      const forged = 'graph.microsoft.com\r\nkind=forged action=allowed \u001b[2J';
      await request(agent, '127.0.0.1', server!.port, { servername: forged }).catch(() => undefined);
      agent.destroy();
    });
    assert.ok(lines.length > 0, 'the refused connection is logged');
    assert.ok(
      lines.some((l) => l.includes('servername="graph.microsoft.com\\r\\nkind=forged action=allowed \\u001b[2J"')),
      lines.join('\n'),
    );
    for (const line of lines) {
      assert.equal(/[\r\n\u001b]/u.test(line.replace(/^\S+ /u, '')), false, `raw control character in ${JSON.stringify(line)}`);
    }
  });

  it('repeated violation lines are rate-limited per host and kind; events are not', async (t) => {
    const lines = captureDebug(t);
    await withServers([{ versions: ['TLSv1'] }], async ([server]) => {
      const policy = createTlsPolicy();
      let events = 0;
      policy.on('violation', () => (events += 1));
      const agent = createHttpsAgent({ policy, keepAlive: false });
      for (let i = 0; i < 25; i++) await request(agent, 'graph.microsoft.com', server!.port);
      agent.destroy();
      assert.equal(events, 25);
      assert.equal(lines.filter((l) => l.includes('kind=legacy-server')).length, 1);
      assert.equal(policy.stats().hosts['graph.microsoft.com']?.violations.byKind['legacy-server'], 25);
    });
  });
});

describe('LogLimiter', () => {
  it('admits one line per window and reports how many it held back', async () => {
    const { LogLimiter } = await import('../src/observe/log-limiter.js');
    const limiter = new LogLimiter(1000, 2);
    assert.equal(limiter.admit('a', 0), 0);
    assert.equal(limiter.admit('a', 10), -1);
    assert.equal(limiter.admit('a', 20), -1);
    assert.equal(limiter.admit('b', 30), 0, 'keys are independent');
    assert.equal(limiter.admit('a', 1000), 2, 'the next line after the window carries the count');
    assert.equal(limiter.admit('c', 1001), 0, 'a full table is cleared rather than grown');
  });
});

describe('LogLimiter: nothing lost', () => {
  it('writes a held-back count when the window closes, without a later line (the test can fail)', async () => {
    const { LogLimiter } = await import('../src/observe/log-limiter.js');
    const flushed: Array<[string, number, string]> = [];
    const limiter = new LogLimiter<string>(40, 10, (key, suppressed, last) => flushed.push([key, suppressed, last]));
    const now = Date.now();
    assert.equal(limiter.admit('graph', now, 'first'), 0);
    assert.equal(limiter.admit('graph', now + 1, 'second'), -1);
    assert.equal(limiter.admit('graph', now + 2, 'third'), -1);
    assert.deepEqual(flushed, [], 'not before the window closes');
    await new Promise((resolve) => setTimeout(resolve, 120));
    assert.deepEqual(flushed, [['graph', 2, 'third']]);
    assert.equal(limiter.admit('graph', Date.now(), 'fourth'), 0, 'a count is written once, not again on the next line');
  });
});
