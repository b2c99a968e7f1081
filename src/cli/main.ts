// The m365-tls-policy command: `probe` endpoints, `doctor` for the runtime, `report` for logs. No CLI framework:
// node:util parseArgs. Exit codes: 0 all good, 1 a policy failure or a high finding, 2 usage.
import { createReadStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { auditRuntime } from '../process/runtime-audit.js';
import { formatFindings, formatProbe, palette } from './format.js';
import { isTlsPolicyError } from '../policy/errors.js';
import { PACKAGE_VERSION } from '../support/version.js';
import { oneOf, TLS_FLOORS } from '../policy/options.js';
import { PROBE_CIPHERS, probeTarget, type ProbeResult, type ProbeTarget } from './probe.js';
import { readUsage } from './report-data.js';
import { formatReport, reportJson } from './report-format.js';
import { reportHtml } from './report-html.js';

const USAGE = `Usage:
  m365-tls-policy probe <host[:port]>... [options]   which TLS versions does each endpoint accept?
  m365-tls-policy doctor [--json]                     is this Node.js process ready?
  m365-tls-policy report [file...] [options]         TLS usage by host, from the policy's NDJSON log records
  m365-tls-policy <command> --help                    the options of one command
  m365-tls-policy --version

Exit status: 0 all good, 1 a target fails the policy (doctor: a high finding), 2 a usage error.`;

const HELP: Readonly<Record<string, string>> = {
  probe: `Usage: m365-tls-policy probe <host[:port]>... [options]

Which TLS versions does each endpoint accept, and does a client under the Microsoft 365 policy
(TLS 1.2+, strong suites, a verified certificate) get through? One handshake per version, then
the library's own policy handshake; nothing is sent after any of them.

Options:
  --json                      one JSON document on stdout
  --timeout <ms>              per handshake (default 5000)
  --servername <name>         SNI and certificate name (default: the host)
  --ca <file>                 trust this CA (PEM) in addition to Node's store
  --resolve <host:port:addr>  connect to addr for host:port, keeping the name (as curl)
  --min-version <version>     the policy floor: TLSv1.2 (default) or TLSv1.3
  --concurrency <n>           targets probed at once (default 4)
  --help                      this text

Exit status: 0 when every target passes, 1 otherwise, 2 for a usage error.`,
  doctor: `Usage: m365-tls-policy doctor [--json]

Audits this Node.js process: NODE_OPTIONS flags, tls.DEFAULT_* values, NODE_TLS_REJECT_UNAUTHORIZED,
extra trusted CAs, OPENSSL_CONF, the Node.js and OpenSSL versions. Run it with the environment of
the service it vouches for.

Options:
  --json    one JSON document on stdout
  --help    this text

Exit status: 0, or 1 when a finding is high, 2 for a usage error.`,
  report: `Usage: m365-tls-policy report [file...] [options]

The TLS usage table per host and Microsoft 365 service (connections by TLS version with shares,
violations by kind and action, first and last seen), from the policy's NDJSON log records (the
logger option, or M365_TLS_POLICY_LOG=json). Reads the files, or standard input when none or '-'.

Options:
  --json          one JSON document on stdout
  --html <file>   also write one self-contained HTML page with a chart per host
  --help          this text

Exit status: 0, or 2 for a usage error (a file that cannot be read).`,
};

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
      const topic = command === 'help' ? HELP[rest[0] ?? ''] : undefined;
      io.stdout.write(`${topic ?? USAGE}\n`);
      return command === undefined ? 2 : 0;
    }
    if (command === '--version' || command === '-v') {
      io.stdout.write(`${PACKAGE_VERSION}\n`);
      return 0;
    }
    const help = HELP[command];
    if (help !== undefined && (rest.includes('--help') || rest.includes('-h'))) {
      io.stdout.write(`${help}\n`);
      return 0;
    }
    if (command === 'probe') return await probe(rest, io);
    if (command === 'doctor') return doctor(rest, io);
    if (command === 'report') return await report(rest, io);
    throw new UsageError(`unknown command '${command}'`);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      const [command] = argv;
      const help = HELP[command ?? ''];
      const where = help === undefined ? 'm365-tls-policy' : `m365-tls-policy ${command}`;
      io.stderr.write(`${where}: ${usageMessage(error as Error & { code?: string })}\n\n${help ?? USAGE}\n`);
      return 2;
    }
    throw error;
  }
}

/**
 * One clear line for a usage error. node:util parseArgs words its own errors for programmers
 * (and with unbalanced quotes); they are reworded here, naming the option.
 */
function usageMessage(error: Error & { code?: string }): string {
  const option = /'(--?[^'\s]+)/u.exec(error.message)?.[1];
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option ?? error.message} (see --help)`;
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `${option ?? 'an option'} needs a value (see --help)`;
  if (error.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument (see --help)`;
  return error.message;
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
  let readable: boolean;
  try {
    const stat = statSync(file);
    readable = stat.isFile() || stat.isFIFO();
  } catch (error) {
    throw new UsageError(`cannot read ${file} (${(error as { code?: string }).code})`);
  }
  if (!readable) throw new UsageError(`cannot read ${file} (not a file)`);
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
