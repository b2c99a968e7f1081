import { type HostUsage, shares, type UsageReport, VERSION_BUCKETS } from './report-data.js';

// Host names come from log records (and so, in the end, from requests and peers): shown escaped
// so that no control character reaches the terminal.
const printable = (s: string): string =>
  s.replace(/[\u0000-\u001f\u007f-\u009f]/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

const HEADINGS = [
  'host',
  'service',
  'connections',
  'TLS 1.3',
  'TLS 1.2',
  'TLS 1.1',
  'TLS 1.0',
  'legacy',
  'violations',
  'first seen',
  'last seen',
];
const pct = (n: number): string => (n === 0 ? '-' : `${n.toFixed(1)}%`);
const minute = (iso: string): string => `${iso.slice(0, 16).replace('T', ' ')}Z`;

/**
 * The TLS usage table Exchange and Entra admins know: per host, connections by TLS version
 * with shares, violations, first and last seen; then the violations by kind and action.
 */
export function formatReport(report: UsageReport): string {
  if (report.records === 0) return `No m365-tls-policy records found (${report.skipped} other lines skipped).`;
  const rows = report.hosts.map((h) => {
    const s = shares(h);
    return [
      printable(h.host),
      h.service ?? '-',
      String(h.connections.total),
      ...VERSION_BUCKETS.map((b) => pct(s[b])),
      String(h.violations.total),
      minute(h.firstSeen),
      minute(h.lastSeen),
    ];
  });
  const widths = HEADINGS.map((heading, i) => Math.max(heading.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i <= 1 || i >= 9 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [
    `TLS usage by host: ${report.records} records from ${minute(report.from ?? '')} to ${minute(report.to ?? '')}${report.skipped > 0 ? ` (${report.skipped} other lines skipped)` : ''}`,
    '',
    line(HEADINGS),
    ...rows.map(line),
  ];
  const withViolations = report.hosts.filter((h) => h.violations.total > 0);
  if (withViolations.length > 0) {
    out.push('', 'Violations by kind and action:');
    for (const h of withViolations) out.push(`  ${printable(h.host)}: ${describeViolations(h)}`);
  }
  out.push('', "'legacy': refused at the handshake, the server offering only TLS below 1.2. Shares are of each host's connections.");
  return out.join('\n');
}

function describeViolations(h: HostUsage): string {
  const kinds = Object.entries(h.violations.byKind).map(([kind, n]) => `${kind} ${n}`);
  const actions = Object.entries(h.violations.byAction).map(([action, n]) => `${action} ${n}`);
  return `${kinds.join(', ')} (${actions.join(', ')})`;
}

/** The same report as one JSON document (versioned, documented in docs/report.md). */
export function reportJson(report: UsageReport): unknown {
  return {
    tool: 'm365-tls-policy',
    command: 'report',
    schema: 1,
    records: report.records,
    skipped: report.skipped,
    from: report.from ?? null,
    to: report.to ?? null,
    hosts: report.hosts.map((h) => ({
      host: h.host,
      service: h.service ?? null,
      connections: { total: h.connections.total, byVersion: h.connections.byVersion, shares: shares(h) },
      violations: h.violations,
      firstSeen: h.firstSeen,
      lastSeen: h.lastSeen,
    })),
  };
}
