import { serviceOf } from '../observe/services.js';

/** The version buckets of the TLS usage table, newest first (as admins read Exchange's report). */
export const VERSION_BUCKETS = ['1.3', '1.2', '1.1', '1.0', 'legacy'] as const;
export type VersionBucket = (typeof VERSION_BUCKETS)[number];

/** One host's line of the report. */
export interface HostUsage {
  readonly host: string;
  readonly service: string | undefined;
  /** Connections by TLS version: passed ones, and those below the floor; `legacy` = refused at the handshake (below TLS 1.2, version unknown). */
  readonly connections: { total: number; byVersion: Record<VersionBucket, number> };
  readonly violations: { total: number; byKind: Record<string, number>; byAction: Record<string, number> };
  firstSeen: string;
  lastSeen: string;
  /** Connections by version per time bucket (for the HTML chart): time bucket start → counts. */
  readonly timeline: Map<number, Record<VersionBucket, number>>;
}

export interface UsageReport {
  readonly records: number;
  /** Lines that were not records of this library (other log lines, blank or broken lines). */
  readonly skipped: number;
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly hosts: HostUsage[];
}

type Fields = Record<string, unknown>;
const emptyBuckets = (): Record<VersionBucket, number> => ({ '1.3': 0, '1.2': 0, '1.1': 0, '1.0': 0, legacy: 0 });

/**
 * Reads NDJSON lines written by the `logger` option or `M365_TLS_POLICY_LOG`: the library's own
 * `'json'` lines, pino's, winston's or bunyan's JSON (the record's fields sit at the top level in
 * all of them). Other lines are counted as skipped, never fatal: a log file holds more than ours.
 */
export function readUsage(lines: Iterable<string>): UsageReport {
  const hosts = new Map<string, HostUsage>();
  let records = 0;
  let skipped = 0;
  const times: string[] = [];
  const pending: Array<[Fields, string]> = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    let fields: unknown;
    try {
      fields = JSON.parse(line);
    } catch {
      skipped += 1;
      continue;
    }
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
      skipped += 1;
      continue;
    }
    const f = fields as Fields;
    const event = f['event.name'];
    const stamp = f['timestamp'];
    // A time that does not parse cannot be placed on a chart or in first/last seen: skipped.
    const time = typeof stamp === 'string' && Number.isFinite(Date.parse(stamp)) ? new Date(stamp).toISOString() : undefined;
    if ((event !== 'm365_tls_policy.violation' && event !== 'm365_tls_policy.connection') || time === undefined) {
      skipped += 1;
      continue;
    }
    records += 1;
    times.push(time);
    pending.push([f, time]);
  }
  times.sort();
  const from = times[0];
  const to = times[times.length - 1];
  const bucketMs = bucketSize(from, to);
  for (const [f, time] of pending) add(hosts, f, time, bucketMs);
  return {
    records,
    skipped,
    from,
    to,
    hosts: [...hosts.values()].sort(
      (a, b) => b.connections.total + b.violations.total - (a.connections.total + a.violations.total) || a.host.localeCompare(b.host),
    ),
  };
}

function add(hosts: Map<string, HostUsage>, f: Fields, time: string, bucketMs: number): void {
  const name = typeof f['server.address'] === 'string' ? f['server.address'] : '(unknown)';
  let host = hosts.get(name);
  if (host === undefined) {
    const service = typeof f['m365.service'] === 'string' ? f['m365.service'] : serviceOf(name);
    host = {
      host: name,
      service,
      connections: { total: 0, byVersion: emptyBuckets() },
      violations: { total: 0, byKind: {}, byAction: {} },
      firstSeen: time,
      lastSeen: time,
      timeline: new Map(),
    };
    hosts.set(name, host);
  }
  if (time < host.firstSeen) host.firstSeen = time;
  if (time > host.lastSeen) host.lastSeen = time;
  const bucket = versionBucket(f);
  if (bucket !== undefined) {
    host.connections.total += 1;
    host.connections.byVersion[bucket] += 1;
    const at = Math.floor(Date.parse(time) / bucketMs) * bucketMs;
    const slot = host.timeline.get(at) ?? emptyBuckets();
    slot[bucket] += 1;
    host.timeline.set(at, slot);
  }
  if (f['event.name'] === 'm365_tls_policy.violation') {
    host.violations.total += 1;
    const kind = String(f['kind'] ?? 'unknown');
    const action = String(f['action'] ?? 'none');
    host.violations.byKind[kind] = (host.violations.byKind[kind] ?? 0) + 1;
    host.violations.byAction[action] = (host.violations.byAction[action] ?? 0) + 1;
  }
}

/**
 * Which version a record counts a connection under: a passed connection by its version; a
 * violation only where it stands for one connection attempt and says at what version
 * (`below-floor`), or that it never got past the handshake (`legacy-server`). Other kinds
 * (weak suites, certificates, options) are violations of a connection counted elsewhere or
 * not at all, so they are not counted twice.
 */
function versionBucket(f: Fields): VersionBucket | undefined {
  const version = f['tls.protocol.version'];
  if (f['event.name'] === 'm365_tls_policy.connection') return isBucket(version) ? version : undefined;
  if (f['kind'] === 'legacy-server') return 'legacy';
  if (f['kind'] === 'below-floor' && isBucket(version)) return version;
  return undefined;
}

const isBucket = (v: unknown): v is VersionBucket => typeof v === 'string' && (VERSION_BUCKETS as readonly string[]).includes(v);

// At most about 24 bars per host: minutes, hours or days, whatever the span of the records.
function bucketSize(from: string | undefined, to: string | undefined): number {
  const span = from === undefined || to === undefined ? 0 : Date.parse(to) - Date.parse(from);
  for (const size of [60_000, 10 * 60_000, 3_600_000, 6 * 3_600_000, 86_400_000, 7 * 86_400_000]) if (span / size <= 24) return size;
  return 30 * 86_400_000;
}

/** Shares of each version bucket, in percent with one decimal, for a host's connections. */
export function shares(usage: HostUsage): Record<VersionBucket, number> {
  const out = emptyBuckets();
  for (const bucket of VERSION_BUCKETS)
    out[bucket] =
      usage.connections.total === 0 ? 0 : Math.round((usage.connections.byVersion[bucket] / usage.connections.total) * 1000) / 10;
  return out;
}
