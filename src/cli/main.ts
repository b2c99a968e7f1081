// The m365-tls-policy command: `probe` endpoints, `doctor` for the runtime, `report` for logs. No CLI framework:
// node:util parseArgs. Exit codes: 0 all good, 1 a policy failure or a high finding, 2 usage.
import { createReadStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { auditRuntime } from '../process/runtime-audit.js';
import { formatFindings, formatProbe, palette } from './format.js';
import { isTlsPolicyError } from '../policy/errors.js';
import { oneOf, TLS_FLOORS } from '../policy/options.js';
import { PROBE_CIPHERS, probeTarget, type ProbeResult, type ProbeTarget } from './probe.js';
import { readUsage } from './report-data.js';
import { formatReport, reportJson } from './report-format.js';
import { reportHtml } from './report-html.js';

const USAGE = `Usage:
  m365-tls-policy probe <host[:port]>... [options]   which TLS versions does each endpoint accept?
  m365-tls-policy doctor [--json]                     is this Node.js process ready?
  m365-tls-policy report [file...] [options]         TLS usage by host, from the policy's NDJSON log records

report options (files, or standard input when none or '-'):
  --json                      one JSON document on stdout
  --html <file>               also write one self-contained HTML page with a chart per host

probe options:
  --json                      one JSON document on stdout
  --timeout <ms>              per handshake (default 5000)
  --servername <name>         SNI and certificate name (default: the host)
  --ca <file>                 trust this CA (PEM) in addition to Node's store
  --resolve <host:port:addr>  connect to addr for host:port, keeping the name (as curl)
  --min-version <version>     the policy floor: TLSv1.2 (default) or TLSv1.3
  --concurrency <n>           targets probed at once (default 4)

Exit status: 0 when every target passes (doctor: no high finding), 1 otherwise, 2 for usage errors.`;

class UsageError extends Error {}

/** Runs a library validation, turning its option error into a usage error (exit 2). */
function usage<T>(validate: () => T): T {
  try {
    return validate();
  } catch (error) {
    if (isTlsPolicyError(error)) throw new UsageError(error.message);
    throw error;
  }
}

export async function main(argv: string[], io = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      io.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    }
    if (command === 'probe') return await probe(rest, io);
    if (command === 'doctor') return doctor(rest, io);
    if (command === 'report') return await report(rest, io);
    throw new UsageError(`unknown command '${command}'`);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`m365-tls-policy: ${(error as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive whole number (got ${JSON.stringify(value)})`);
  return n;
}

function parseTarget(spec: string, resolves: Map<string, string>, servername: string | undefined): ProbeTarget {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/u.exec(spec);
  if (!m || m[1] === undefined) throw new UsageError(`'${spec}' is not host[:port]`);
  const host = m[1].replace(/^\[(.*)\]$/u, '$1');
  const port = m[2] === undefined ? 443 : Number(m[2]);
  if (port < 1 || port > 65535) throw new UsageError(`'${spec}': the port must be 1 to 65535`);
  const address = resolves.get(`${host.toLowerCase()}:${port}`);
  return { target: `${host}:${port}`, host, port, ...(address ? { address } : {}), ...(servername ? { servername } : {}) };
}

async function probe(args: string[], io: { stdout: NodeJS.WritableStream & { isTTY?: boolean }; env: NodeJS.ProcessEnv }): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      timeout: { type: 'string' },
      servername: { type: 'string' },
      ca: { type: 'string' },
      resolve: { type: 'string', multiple: true },
      'min-version': { type: 'string' },
      concurrency: { type: 'string' },
    },
  });
  if (positionals.length === 0) throw new UsageError('probe needs at least one host[:port]');
  const minVersion = usage(() => oneOf('--min-version', values['min-version'], TLS_FLOORS, 'TLSv1.2'));
  const resolves = new Map<string, string>();
  for (const r of values.resolve ?? []) {
    const m = /^([^:]+):(\d{1,5}):(.+)$/u.exec(r);
    if (!m) throw new UsageError(`--resolve must be host:port:address (got ${JSON.stringify(r)})`);
    const [, host = '', port, address = ''] = m;
    resolves.set(`${host.toLowerCase()}:${Number(port)}`, address.replace(/^\[(.*)\]$/u, '$1'));
  }
  let ca: string | undefined;
  if (values.ca !== undefined) {
    try {
      ca = readFileSync(values.ca, 'utf8');
    } catch (error) {
      throw new UsageError(`--ca: cannot read ${values.ca} (${(error as { code?: string }).code})`);
    }
  }
  const targets = positionals.map((p) => parseTarget(p, resolves, values.servername));
  const options = { timeoutMs: positiveInt('timeout', values.timeout, 5000), ca, minVersion } as const;
  const results = await mapLimited(targets, positiveInt('concurrency', values.concurrency, 4), (t) => probeTarget(t, options));
  const passed = results.every((r) => r.policy.passes);
  if (values.json) {
    io.stdout.write(
      `${JSON.stringify({ tool: 'm365-tls-policy', command: 'probe', policy: { minVersion, ciphers: PROBE_CIPHERS }, passed, targets: results }, null, 2)}\n`,
    );
  } else {
    const c = palette(io.stdout, io.env);
    io.stdout.write(`${results.map((r) => formatProbe(r, c)).join('\n\n')}\n`);
  }
  return passed ? 0 : 1;
}

function doctor(args: string[], io: { stdout: NodeJS.WritableStream & { isTTY?: boolean }; env: NodeJS.ProcessEnv }): number {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } });
  const findings = auditRuntime();
  const high = findings.some((f) => f.severity === 'high');
  if (values.json) io.stdout.write(`${JSON.stringify({ tool: 'm365-tls-policy', command: 'doctor', ok: !high, findings }, null, 2)}\n`);
  else io.stdout.write(`${formatFindings(findings, palette(io.stdout, io.env))}\n`);
  return high ? 1 : 0;
}

async function report(args: string[], io: { stdout: NodeJS.WritableStream; stdin?: NodeJS.ReadableStream | undefined }): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, html: { type: 'string' } },
  });
  const sources = positionals.length === 0 ? ['-'] : positionals;
  const lines: string[] = [];
  for (const source of sources) {
    const input = source === '-' ? (io.stdin ?? process.stdin) : openInput(source);
    for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) lines.push(line);
  }
  const usage = readUsage(lines);
  if (values.html !== undefined) writeFileSync(values.html, reportHtml(usage));
  io.stdout.write(`${values.json ? JSON.stringify(reportJson(usage), null, 2) : formatReport(usage)}\n`);
  return 0;
}

function openInput(file: string): NodeJS.ReadableStream {
  try {
    statSync(file);
  } catch (error) {
    throw new UsageError(`cannot read ${file} (${(error as { code?: string }).code})`);
  }
  return createReadStream(file);
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export type { ProbeResult };
