import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import * as https from 'node:https';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pino from 'pino';
import winston from 'winston';
import { createFetchDispatcher, createHttpsAgent, createTlsPolicy, installTlsPolicy, type TlsPolicy } from '../src/index.js';
import { startTlsServer, TESTING_CA, type TestTlsServer } from '../src/testing/index.js';

const TOKEN = 'Bearer logging-outputs-secret';

function get(agent: https.Agent, server: TestTlsServer): Promise<string> {
  return new Promise((resolve) => {
    https
      .get(
        server.url('/v1.0/me?$select=secret-query'),
        { agent, lookup: server.lookup, ca: TESTING_CA, headers: { authorization: TOKEN } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(`ok ${res.statusCode}`));
        },
      )
      .on('error', (error: Error & { code?: string }) => resolve(error.code ?? 'ERROR'));
  });
}

/** Lines written to a stream, parsed as JSON. */
function jsonLines(): { stream: Writable; records: Array<Record<string, unknown>> } {
  const records: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of String(chunk).split('\n')) if (line.trim() !== '') records.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { stream, records };
}

const SCHEMA_FIELDS = [
  'schema',
  'event.name',
  'timestamp',
  'kind',
  'action',
  'code',
  'error.type',
  'server.address',
  'server.port',
  'mode',
];

function assertViolationRecord(record: Record<string, unknown> | undefined, port: number): void {
  assert.ok(record, 'a record was written');
  for (const field of SCHEMA_FIELDS) assert.ok(field in record, `the record has ${field}: ${JSON.stringify(record)}`);
  assert.equal(record['schema'], 'm365-tls-policy/1');
  assert.equal(record['event.name'], 'm365_tls_policy.violation');
  assert.equal(record['kind'], 'legacy-server');
  assert.equal(record['action'], 'blocked');
  assert.equal(record['code'], 'ERR_TLS_POLICY_VERSION');
  assert.equal(record['error.type'], 'ERR_TLS_POLICY_VERSION');
  assert.equal(record['nodeCode'], 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
  assert.equal(record['server.address'], 'graph.microsoft.com');
  assert.equal(record['server.port'], port);
  assert.equal(record['m365.service'], 'Microsoft Graph');
  const text = JSON.stringify(record);
  assert.ok(
    !text.includes('logging-outputs-secret') && !text.includes('secret-query') && !text.includes('authorization'),
    'no secret in the record',
  );
}

describe('logger option: one structured record per violation, in the service own logger', () => {
  it('pino: record fields as pino fields, at warn, the message as msg', async () => {
    const server = await startTlsServer({ versions: ['TLSv1.1'] });
    const { stream, records } = jsonLines();
    const logger = pino({ level: 'debug' }, stream);
    const agent = createHttpsAgent({ policy: { logger }, keepAlive: false });
    try {
      assert.equal(await get(agent, server), 'ERR_TLS_POLICY_VERSION');
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(records.length, 1);
      const record = records[0];
      assert.equal(record?.['level'], 40, 'pino warn');
      assert.match(String(record?.['msg']), /graph\.microsoft\.com:\d+: the server only speaks a TLS version below the policy floor/u);
      assertViolationRecord(record, server.port);
      assert.equal(server.bytesReceived, 0);
    } finally {
      agent.destroy();
      await server.close();
    }
  });

  it('winston: record fields as meta, at warn; passed connections at info when asked', async () => {
    const legacy = await startTlsServer({ versions: ['TLSv1.1'] });
    const modern = await startTlsServer({ versions: ['TLSv1.3'] });
    const { stream, records } = jsonLines();
    const logger = winston.createLogger({
      level: 'debug',
      format: winston.format.json(),
      transports: [new winston.transports.Stream({ stream })],
    });
    const agent = createHttpsAgent({ policy: { logger, logConnections: true }, keepAlive: false });
    try {
      assert.equal(await get(agent, legacy), 'ERR_TLS_POLICY_VERSION');
      assert.equal(await get(agent, modern), 'ok 200');
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(records.length, 2);
      assert.equal(records[0]?.['level'], 'warn');
      assertViolationRecord(records[0], legacy.port);
      const connection = records[1];
      assert.equal(connection?.['level'], 'info');
      assert.equal(connection?.['event.name'], 'm365_tls_policy.connection');
      assert.equal(connection?.['tls.protocol.version'], '1.3');
      assert.match(String(connection?.['tls.cipher']), /^TLS_/u, 'the IANA suite name');
      assert.equal(connection?.['tls.resumed'], false);
    } finally {
      agent.destroy();
      await legacy.close();
      await modern.close();
    }
  });

  it("'json' writes NDJSON to stderr; a bad logger is refused at creation", () => {
    assert.throws(() => createTlsPolicy({ logger: 'pino' as never }), {
      code: 'ERR_TLS_POLICY_INVALID_OPTION',
      message: /policy\.logger must be/u,
    });
    assert.throws(() => createTlsPolicy({ logConnections: 'yes' as never }), { code: 'ERR_TLS_POLICY_INVALID_OPTION' });
    assert.equal(createTlsPolicy({ logger: 'json' }).mode, 'enforce');
  });
});

describe('diagnostics channels: every policy publishes, no reference to it needed', () => {
  const clients: Array<[string, (policy: TlsPolicy, server: TestTlsServer) => Promise<unknown>]> = [
    [
      'the https agent',
      async (policy, server) => {
        const agent = createHttpsAgent({ policy, keepAlive: false });
        await get(agent, server);
        agent.destroy();
      },
    ],
    [
      'the fetch dispatcher',
      async (policy, server) => {
        const dispatcher = createFetchDispatcher({ policy, connect: { lookup: server.lookup, ca: TESTING_CA } });
        await fetch(server.url('/'), { dispatcher, headers: { authorization: TOKEN } } as RequestInit).then(
          (r) => r.text(),
          () => undefined,
        );
        await dispatcher.close();
      },
    ],
    [
      'the install',
      async (policy, server) => {
        const uninstall = installTlsPolicy(policy);
        try {
          await get(new https.Agent({ keepAlive: false }), server);
        } finally {
          uninstall();
        }
      },
    ],
  ];
  for (const [name, client] of clients) {
    it(`${name}: violations and passed connections on m365-tls-policy:violation / :connection`, async () => {
      const legacy = await startTlsServer({ versions: ['TLSv1.1'] });
      const modern = await startTlsServer({ versions: ['TLSv1.3'] });
      const seen: Array<[string, unknown]> = [];
      const onViolation = (message: unknown): void => {
        seen.push(['violation', (message as { violation: { kind: string } }).violation.kind]);
      };
      const onConnection = (message: unknown): void => {
        seen.push(['connection', (message as { connection: { protocol: string } }).connection.protocol]);
      };
      diagnostics.subscribe('m365-tls-policy:violation', onViolation);
      diagnostics.subscribe('m365-tls-policy:connection', onConnection);
      try {
        const policy = createTlsPolicy();
        await client(policy, legacy);
        await client(policy, modern);
        assert.deepEqual(seen, [
          ['violation', 'legacy-server'],
          ['connection', 'TLSv1.3'],
        ]);
      } finally {
        diagnostics.unsubscribe('m365-tls-policy:violation', onViolation);
        diagnostics.unsubscribe('m365-tls-policy:connection', onConnection);
        await legacy.close();
        await modern.close();
      }
    });
  }
});

describe('runtime findings are findings, not connection violations', () => {
  it('an install reports the audit once, as findings: policy.stats() counts no violation (the test can fail)', async () => {
    const saved = process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
    process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0'; // a high finding, read at install
    const policy = createTlsPolicy({ warnings: false });
    const findings: string[] = [];
    const violations: string[] = [];
    policy.on('finding', (f) => findings.push(`${f.id}:${f.severity}`));
    policy.on('violation', (v) => violations.push(v.kind));
    const uninstall = installTlsPolicy(policy);
    try {
      if (saved === undefined) delete process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
      else process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = saved;
      assert.ok(findings.includes('env-reject-unauthorized:high'), JSON.stringify(findings));
      assert.deepEqual(violations, []);
      assert.equal(policy.stats().totals.violations, 0);
      // Node.js 20 is past its end of life on the dates this suite runs: a finding, never a violation.
      if (process.versions.node.startsWith('20.')) assert.ok(findings.includes('node-end-of-life:medium'));
    } finally {
      uninstall();
    }
  });
});
