import assert from 'node:assert/strict';
import * as https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { createHttpsAgent, createTlsPolicy, type PolicyViolation, type SecureConnectionEvent } from '../src/index.js';
import { startTlsServer, TESTING_CA, type TestTlsServer } from '../src/testing/index.js';
import { recordEvents } from './helpers/events.js';
import { lookup } from './helpers/fixtures.js';

// False report: report mode must report what enforce mode would block. A request to
// graph.microsoft.com with servername 'example.test' reaching a server whose (valid)
// certificate names only example.test:
//  - enforce: insecure-options (servername) overridden + unverified-peer blocked;
//  - report: insecure-options (servername) reported, then a 'secure' event for
//    graph.microsoft.com, and no unverified-peer at all.
// The verdict checks the name itself when the options were not hardened, but against
// `ctx.servername ?? ctx.host` (engine/socket-checks.ts), i.e. the escaped servername, not
// the in-scope identity enforce mode would have verified (policy/tls-options.ts inScopeIdentity).
// Closed: the plan carries the identity the policy would force (plannedIdentity), and the verdict checks that name in every mode.

let impostor: TestTlsServer;
before(async () => {
  impostor = await startTlsServer({ hostnames: ['example.test'], certificate: 'other' });
});
after(() => impostor.close());

async function run(mode: 'enforce' | 'report'): Promise<{ violations: PolicyViolation[]; secure: SecureConnectionEvent[] }> {
  const policy = createTlsPolicy({ mode });
  const events = recordEvents(policy);
  const agent = createHttpsAgent({ policy, keepAlive: false, ca: TESTING_CA });
  await new Promise<void>((resolve) => {
    https
      .get(
        {
          host: 'graph.microsoft.com',
          port: impostor.port,
          path: '/v1.0/me',
          lookup,
          agent,
          servername: 'example.test',
          headers: { authorization: 'Bearer report-truth-token' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve());
        },
      )
      .on('error', () => resolve());
  });
  agent.destroy();
  return events;
}

const kinds = (vs: readonly PolicyViolation[]): string[] => vs.filter((v) => v.kind !== 'weak-runtime').map((v) => `${v.kind}:${v.action}`);

describe('false report: report mode on a servername escape to an impostor', () => {
  it('reports the unverified peer that enforce mode blocks, and emits no secure event', async () => {
    const enforce = await run('enforce');
    const report = await run('report');
    assert.deepEqual(kinds(enforce.violations), ['insecure-options:overridden', 'unverified-peer:blocked'], 'enforce (baseline)');
    assert.deepEqual(
      kinds(report.violations),
      ['insecure-options:reported', 'unverified-peer:reported'],
      `report mode reported ${JSON.stringify(kinds(report.violations))} and secure events ${JSON.stringify(report.secure.map((e) => [e.host, e.servername]))}`,
    );
    assert.equal(report.secure.length, 0, 'no secure event for a peer that is not graph.microsoft.com');
  });
});
