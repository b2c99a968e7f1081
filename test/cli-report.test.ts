import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { main } from '../src/cli/main.js';

// `m365-tls-policy report` on a recorded NDJSON file: the policy's own 'json' lines, pino's and
// winston's (their fields at the top level too), and lines that are not ours.
const v = (host: string, kind: string, action: string, timestamp: string, extra: Record<string, unknown> = {}) => ({
  schema: 'm365-tls-policy/1',
  'event.name': 'm365_tls_policy.violation',
  timestamp,
  kind,
  action,
  code: 'ERR_TLS_POLICY_VERSION',
  'server.address': host,
  'server.port': 443,
  ...extra,
});
const c = (host: string, version: string, timestamp: string) => ({
  schema: 'm365-tls-policy/1',
  'event.name': 'm365_tls_policy.connection',
  timestamp,
  'server.address': host,
  'server.port': 443,
  'tls.protocol.version': version,
});
const LINES = [
  JSON.stringify({
    level: 'info',
    message: 'TLS TLSv1.3 to graph.microsoft.com',
    ...c('graph.microsoft.com', '1.3', '2026-11-28T10:00:00.000Z'),
  }),
  JSON.stringify({ level: 30, time: 1764324000000, msg: 'x', ...c('graph.microsoft.com', '1.3', '2026-11-28T10:30:00.000Z') }), // pino
  JSON.stringify({ level: 'info', message: 'y', ...c('graph.microsoft.com', '1.2', '2026-11-28T11:00:00.000Z') }), // winston
  JSON.stringify(c('graph.microsoft.com', '1.3', '2026-11-28T11:30:00.000Z')),
  JSON.stringify(v('outlook.office365.com', 'legacy-server', 'blocked', '2026-11-28T10:05:00.000Z')),
  JSON.stringify(v('outlook.office365.com', 'below-floor', 'reported', '2026-11-28T10:06:00.000Z', { 'tls.protocol.version': '1.0' })),
  JSON.stringify(c('outlook.office365.com', '1.2', '2026-11-28T12:00:00.000Z')),
  JSON.stringify(
    v('outlook.office365.com', 'insecure-options', 'overridden', '2026-11-28T12:00:00.000Z', { code: 'ERR_TLS_POLICY_INSECURE_OPTIONS' }),
  ),
  JSON.stringify(c('evil\u001b[31m<script>.example', '1.3', '2026-11-28T12:00:00.000Z')),
  'this is an application log line, not a record',
  'null',
  '[1, 2]',
  JSON.stringify({ ...c('graph.microsoft.com', '1.3', 'yesterday'), note: 'a timestamp that does not parse' }),
  JSON.stringify({ level: 'info', message: 'another logger record of the service' }),
  '',
];

let dir: string;
let file: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'm365-tls-policy-report-'));
  file = join(dir, 'records.ndjson');
  writeFileSync(file, LINES.join('\n'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[], stdin?: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write: (chunk, _e, cb) => {
        append(String(chunk));
        cb();
      },
    });
  const code = await main(args, {
    stdout: sink((s) => (out += s)) as never,
    stderr: sink((s) => (err += s)) as never,
    env: {},
    ...(stdin === undefined ? {} : { stdin: Readable.from([stdin]) }),
  } as never);
  return { code, out, err };
}

describe('m365-tls-policy report', () => {
  it('the TLS usage table: per host and service, versions with shares, violations, first and last seen', async () => {
    const r = await cli(['report', file]);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split('\n');
    assert.match(lines[0] ?? '', /^TLS usage by host: 9 records from 2026-11-28 10:00Z to 2026-11-28 12:00Z \(5 other lines skipped\)$/u);
    const graph = lines.find((l) => l.startsWith('graph.microsoft.com'));
    assert.match(
      graph ?? '',
      /^graph\.microsoft\.com\s+Microsoft Graph\s+4\s+75\.0%\s+25\.0%\s+-\s+-\s+-\s+0\s+2026-11-28 10:00Z\s+2026-11-28 11:30Z$/u,
    );
    const outlook = lines.find((l) => l.startsWith('outlook.office365.com'));
    assert.match(outlook ?? '', /^outlook\.office365\.com\s+Exchange Online\s+3\s+-\s+33\.3%\s+-\s+33\.3%\s+33\.3%\s+3\s+/u);
    assert.ok(
      r.out.includes('outlook.office365.com: legacy-server 1, below-floor 1, insecure-options 1 (blocked 1, reported 1, overridden 1)'),
    );
    assert.ok(!r.out.includes('\u001b'), 'no control character from a record reaches the terminal');
    assert.ok(r.out.includes('evil\\x1b[31m<script>.example'));
  });

  it('--json: the same numbers as one versioned document', async () => {
    const r = await cli(['report', file, '--json']);
    const doc = JSON.parse(r.out) as {
      schema: number;
      records: number;
      skipped: number;
      hosts: Array<{
        host: string;
        service: string | null;
        connections: { total: number; byVersion: Record<string, number>; shares: Record<string, number> };
        violations: { total: number; byKind: Record<string, number> };
      }>;
    };
    assert.equal(doc.schema, 1);
    assert.deepEqual([doc.records, doc.skipped], [9, 5]);
    const graph = doc.hosts.find((h) => h.host === 'graph.microsoft.com');
    assert.deepEqual(graph?.connections.byVersion, { '1.3': 3, '1.2': 1, '1.1': 0, '1.0': 0, legacy: 0 });
    assert.deepEqual(graph?.connections.shares, { '1.3': 75, '1.2': 25, '1.1': 0, '1.0': 0, legacy: 0 });
    const outlook = doc.hosts.find((h) => h.host === 'outlook.office365.com');
    assert.equal(outlook?.service, 'Exchange Online');
    assert.deepEqual(outlook?.violations.byKind, { 'legacy-server': 1, 'below-floor': 1, 'insecure-options': 1 });
  });

  it('--html: one self-contained page, a chart per host, hostile names escaped', async () => {
    const page = join(dir, 'report.html');
    const r = await cli(['report', file, '--html', page]);
    assert.equal(r.code, 0);
    const html = readFileSync(page, 'utf8');
    assert.match(html, /^<!doctype html>/u);
    assert.equal((html.match(/<svg /gu) ?? []).length, 3, 'a chart per host');
    assert.ok(!/\b(?:src|href)=/u.test(html), 'no external asset of any kind');
    assert.ok(!html.includes('<script'), 'no script, and a hostile host name is escaped');
    assert.ok(html.includes('evil\u001b[31m&#60;script&#62;.example'));
    assert.match(html, /outlook\.office365\.com <small>Exchange Online<\/small>/u);
    assert.match(html, /66\.7% below TLS 1\.2/u);
  });

  it('reads standard input, and says so when it finds no record', async () => {
    const fromStdin = await cli(['report'], LINES.join('\n'));
    assert.match(fromStdin.out, /^TLS usage by host: 9 records/u);
    const none = await cli(['report', '-'], 'nothing of ours\n');
    assert.equal(none.out.trim(), 'No m365-tls-policy records found (1 other lines skipped).');
  });

  it('a file that cannot be read is a usage error (exit 2)', async () => {
    const r = await cli(['report', join(dir, 'missing.ndjson')]);
    assert.equal(r.code, 2);
    assert.match(r.err, /cannot read .*missing\.ndjson \(ENOENT\)/u);
    const folder = await cli(['report', dir]);
    assert.equal(folder.code, 2);
    assert.match(folder.err, /cannot read .* \(not a file\)/u);
  });
});
