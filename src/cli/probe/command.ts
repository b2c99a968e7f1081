import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { oneOf, TLS_FLOORS } from '../../policy/options.js';
import { palette } from '../format.js';
import { formatProbe, formatSummary, summarize } from './format.js';
import { identity, PROBE_CIPHERS, probeTarget } from './run.js';
import {
  CLOUDS,
  M365_PROBE_TARGETS,
  parseResolves,
  parseStartTls,
  parseTarget,
  parseTargetsFile,
  TargetError,
  uniqueTargets,
} from './targets.js';
import { PROBE_SCHEMA, PROBE_VERSIONS, type ProbeResult, type ProbeTarget, type VersionResult } from './types.js';

// `m365-tls-policy probe`: targets from the command line, a file and --m365, probed a few at a
// time (each target's handshakes side by side too), a progress line on a terminal, a summary.

interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** Validation errors the CLI turns into a usage error (exit 2). */
export { TargetError };

// setTimeout's limit: a larger delay becomes 1 ms, which would report every target as timed out.
const MAX_TIMER_MS = 2 ** 31 - 1;

function positiveInt(name: string, value: string | undefined, fallback: number, max = MAX_TIMER_MS): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0 || n > max)
    throw new TargetError(`--${name} must be a whole number from 1 to ${max} (got ${JSON.stringify(value)})`);
  return n;
}

/** The `--ca` file: PEM with at least one certificate, each of which parses (else it would be silently ignored). */
function readCa(file: string): string {
  const text = readText('--ca', file);
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/gu) ?? [];
  if (blocks.length === 0) throw new TargetError(`--ca: ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch {
      throw new TargetError(`--ca: certificate ${i + 1} in ${file} cannot be read`);
    }
  });
  return text;
}

function readText(option: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new TargetError(`${option}: cannot read ${file} (${(error as { code?: string }).code})`);
  }
}

export async function probeCommand(args: string[], io: Io, validate: <T>(f: () => T) => T): Promise<number> {
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
      starttls: { type: 'string' },
      targets: { type: 'string', multiple: true },
      m365: { type: 'boolean' },
      cloud: { type: 'string' },
    },
  });
  const minVersion = validate(() => oneOf('--min-version', values['min-version'], TLS_FLOORS, 'TLSv1.2'));
  if (values.cloud !== undefined && !values.m365) throw new TargetError('--cloud needs --m365');
  const cloud = values.cloud ?? 'worldwide';
  const m365 = M365_PROBE_TARGETS[cloud];
  if (m365 === undefined) throw new TargetError(`--cloud must be one of ${CLOUDS.join(', ')} (got ${JSON.stringify(cloud)})`);
  const specs = [
    ...positionals,
    ...(values.targets ?? []).flatMap((file) => parseTargetsFile(readText('--targets', file), file)),
    ...(values.m365 ? m365 : []),
  ];
  if (specs.length === 0) throw new TargetError('probe needs at least one host[:port] (or --targets FILE, or --m365)');
  const defaults = {
    resolves: parseResolves(values.resolve ?? []),
    servername: values.servername,
    starttls: parseStartTls(values.starttls),
  };
  const targets = uniqueTargets(specs.map((s) => parseTarget(s, defaults)));
  const ca = values.ca === undefined ? undefined : readCa(values.ca);
  const options = { timeoutMs: positiveInt('timeout', values.timeout, 5000), ca, minVersion } as const;
  const started = performance.now();
  const progress = progressLine(io, targets.length);
  const results = await mapLimited(
    targets,
    positiveInt('concurrency', values.concurrency, 4, 1024),
    (t) => probeTarget(t, options),
    progress.update,
  );
  progress.clear();
  const summary = summarize(results, Math.round(performance.now() - started));
  const passed = summary.failed === 0;
  if (values.json) {
    const policy = { minVersion, ciphers: PROBE_CIPHERS };
    io.stdout.write(
      `${JSON.stringify({ schema: PROBE_SCHEMA, tool: 'm365-tls-policy', command: 'probe', policy, passed, summary, targets: results }, null, 2)}\n`,
    );
  } else {
    const c = palette(io.stdout, io.env);
    io.stdout.write(`${results.map((r) => formatProbe(r, c)).join('\n\n')}\n\n${formatSummary(summary, results, c)}\n`);
  }
  return passed ? 0 : 1;
}

/** "probing 3/20" on a terminal's stderr, rewritten in place; nothing when stderr is not a terminal or one target. */
function progressLine(io: Io, total: number): { update: (done: number, running: readonly ProbeTarget[]) => void; clear: () => void } {
  const on = io.stderr.isTTY === true && total > 1;
  let shown = false;
  return {
    update: (done, running) => {
      if (!on) return;
      const now = running
        .slice(0, 3)
        .map((t) => t.target)
        .join(', ');
      io.stderr.write(`\r\u001b[Kprobing ${done}/${total} done${now ? `, now ${now}${running.length > 3 ? ', ...' : ''}` : ''}`);
      shown = true;
    },
    clear: () => {
      if (shown) io.stderr.write('\r\u001b[K');
    },
  };
}

/** The result for a target whose probe threw: unreachable, with the error's code and first line. */
function failedResult(t: ProbeTarget, error: unknown): ProbeResult {
  const code = (error as { code?: unknown })?.code;
  const message = `the probe failed: ${String((error as Error)?.message ?? error).split('\n')[0]}`;
  const none: VersionResult = { accepted: false, ciphers: [] };
  return {
    ...identity(t),
    reachable: false,
    error: { code: typeof code === 'string' ? code : 'ERR_PROBE_FAILED', message },
    versions: Object.fromEntries(PROBE_VERSIONS.map((v) => [v, none])) as ProbeResult['versions'],
    fallbackScsv: null,
    chain: [],
    warnings: [],
    policy: { passes: false, reason: message },
    durationMs: 0,
  };
}

async function mapLimited(
  items: readonly ProbeTarget[],
  limit: number,
  fn: (item: ProbeTarget) => Promise<ProbeResult>,
  progress: (done: number, running: readonly ProbeTarget[]) => void,
): Promise<ProbeResult[]> {
  const results: ProbeResult[] = new Array(items.length);
  const running = new Set<ProbeTarget>();
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      const item = items[i] as ProbeTarget;
      running.add(item);
      progress(done, [...running]);
      // One target's unexpected failure is that target's result, never the end of the fleet run.
      results[i] = await fn(item).catch((error: unknown) => failedResult(item, error));
      running.delete(item);
      progress(++done, [...running]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
