// The m365-tls-policy command: `probe` endpoints, `doctor` for the runtime, `report` for logs. No CLI framework:
// node:util parseArgs. Exit codes: 0 all good, 1 a policy failure or a high finding, 2 usage.
import { createReadStream, statSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { auditRuntime } from '../process/runtime-audit.js';
import { formatFindings, palette } from './format.js';
import { isTlsPolicyError } from '../policy/errors.js';
import { PACKAGE_VERSION } from '../support/version.js';
import { probeCommand, TargetError } from './probe/command.js';
import { readUsage } from './report-data.js';
import { formatReport, reportJson } from './report-format.js';
import { reportHtml } from './report-html.js';

const USAGE = `Usage:
  m365-tls-policy probe <host[:port]>... [options]   which TLS versions and suites does each endpoint accept?
  m365-tls-policy doctor [--json]                     is this Node.js process ready?
  m365-tls-policy report [file...] [options]         TLS usage by host, from the policy's NDJSON log records
  m365-tls-policy <command> --help                    the options of one command
  m365-tls-policy --version

Exit status: 0 all good, 1 a target fails the policy (doctor: a high finding), 2 a usage error.`;

const HELP: Readonly<Record<string, string>> = {
  probe: `Usage: m365-tls-policy probe [host[:port]...] [--targets FILE] [--m365 [--cloud C]] [options]

What each endpoint accepts, as a TLS scanner reports it (every TLS version and cipher suite,
TLS_FALLBACK_SCSV, the certificate chain, the key exchange), and whether a client under the
Microsoft 365 policy (TLS 1.2+, strong suites, a verified certificate) gets through: the
library's own policy handshake. Only handshakes: nothing is sent after any of them.

Targets:
  host[:port]                 the port defaults to 443; smtp://, imap://, pop3:// before it
                              choose STARTTLS for that target, tls:// none
  --targets <file>            one target per line, # comments (repeatable)
  --m365                      the well-known Microsoft 365 endpoints of a cloud
  --cloud <cloud>             with --m365: worldwide (default), gccHigh, dod, china
  --starttls <protocol>       smtp, imap, pop3 or none (default: by the port: 25/587 smtp,
                              143 imap, 110 pop3, otherwise none)

Options:
  --json                      one JSON document on stdout (schema: docs/cli.md)
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
    if (command === 'probe') return await probeCommand(rest, io, usage);
    if (command === 'doctor') return doctor(rest, io);
    if (command === 'report') return await report(rest, io);
    throw new UsageError(`unknown command '${command}'`);
  } catch (error) {
    if (error instanceof UsageError || error instanceof TargetError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
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

export type { ProbeResult } from './probe/types.js';
