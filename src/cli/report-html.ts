import { type HostUsage, shares, type UsageReport, VERSION_BUCKETS, type VersionBucket } from './report-data.js';

// Colours per version: the modern ones calm, the legacy ones loud (and readable without colour:
// every bar has its numbers in a tooltip and the table below it).
const COLOURS: Record<VersionBucket, string> = {
  '1.3': '#1a7f37',
  '1.2': '#4c9a2a',
  '1.1': '#d4a72c',
  '1.0': '#cf6a1c',
  legacy: '#b42318',
};
const LABELS: Record<VersionBucket, string> = {
  '1.3': 'TLS 1.3',
  '1.2': 'TLS 1.2',
  '1.1': 'TLS 1.1',
  '1.0': 'TLS 1.0',
  legacy: 'legacy (refused)',
};

/** Everything from records is escaped: host names reach this page from requests and peers. */
const esc = (s: string): string => s.replace(/[&<>"']/gu, (c) => `&#${c.charCodeAt(0)};`);

/**
 * One self-contained page (inline CSS and SVG, no script, no external asset): per host, a bar
 * chart of connections by TLS version over time, and the usage table under it.
 */
export function reportHtml(report: UsageReport): string {
  const sections = report.hosts.map(hostSection).join('\n');
  const legend = VERSION_BUCKETS.map((b) => `<span class="key"><i style="background:${COLOURS[b]}"></i>${LABELS[b]}</span>`).join(' ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TLS usage by host: m365-tls-policy report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1f2328;max-width:1100px}
h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.05rem;margin:1.6rem 0 .3rem}
.sub{color:#59636e;margin:0 0 1rem}.key{margin-right:1rem;white-space:nowrap}.key i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px}
table{border-collapse:collapse;margin:.4rem 0}td,th{padding:.2rem .6rem;border-bottom:1px solid #d1d9e0;text-align:right}td:first-child,th:first-child{text-align:left}
.bad{color:#b42318;font-weight:600}svg{display:block}
</style></head><body>
<h1>TLS usage by host</h1>
<p class="sub">${report.records} records from ${esc(report.from ?? '-')} to ${esc(report.to ?? '-')}. ${legend}</p>
${sections || '<p>No m365-tls-policy records found.</p>'}
</body></html>
`;
}

function hostSection(h: HostUsage): string {
  const s = shares(h);
  const below = h.connections.byVersion['1.1'] + h.connections.byVersion['1.0'] + h.connections.byVersion.legacy;
  const legacyShare = h.connections.total === 0 ? 0 : (below / h.connections.total) * 100;
  const cells = VERSION_BUCKETS.map((b) => `<td>${h.connections.byVersion[b]} (${s[b].toFixed(1)}%)</td>`).join('');
  const violations = Object.entries(h.violations.byKind)
    .map(([kind, n]) => `${esc(kind)} ${n}`)
    .join(', ');
  return `<section>
<h2>${esc(h.host)}${h.service === undefined ? '' : ` <small>${esc(h.service)}</small>`}</h2>
${chart(h)}
<table><tr><th>connections</th>${VERSION_BUCKETS.map((b) => `<th>${LABELS[b]}</th>`).join('')}<th>violations</th></tr>
<tr><td>${h.connections.total}</td>${cells}<td>${h.violations.total}</td></tr></table>
<p class="${legacyShare > 0 ? 'bad' : 'sub'}">${legacyShare > 0 ? `${legacyShare.toFixed(1)}% below TLS 1.2. ` : 'No connection below TLS 1.2. '}${violations === '' ? '' : `Violations: ${violations}.`} First seen ${esc(h.firstSeen)}, last seen ${esc(h.lastSeen)}.</p>
</section>`;
}

/** A stacked bar per time bucket, heights in proportion to the busiest bucket of this host. */
function chart(h: HostUsage): string {
  const slots = [...h.timeline.entries()].sort(([a], [b]) => a - b);
  if (slots.length === 0) return '<p class="sub">No connections counted by version.</p>';
  const width = 760;
  const height = 120;
  const bar = Math.max(6, Math.min(48, Math.floor((width - 40) / slots.length) - 4));
  const max = Math.max(...slots.map(([, counts]) => VERSION_BUCKETS.reduce((n, b) => n + counts[b], 0)));
  const bars = slots
    .map(([start, counts], i) => {
      let y = height - 20;
      const x = 30 + i * (bar + 4);
      const rects = VERSION_BUCKETS.filter((b) => counts[b] > 0)
        .map((b) => {
          const h2 = Math.max(1, Math.round((counts[b] / max) * (height - 30)));
          y -= h2;
          return `<rect x="${x}" y="${y}" width="${bar}" height="${h2}" fill="${COLOURS[b]}"><title>${esc(new Date(start).toISOString())}: ${LABELS[b]} ${counts[b]}</title></rect>`;
        })
        .join('');
      return rects;
    })
    .join('');
  const first = new Date(slots[0]?.[0] ?? 0).toISOString().slice(0, 16).replace('T', ' ');
  const last = new Date(slots[slots.length - 1]?.[0] ?? 0).toISOString().slice(0, 16).replace('T', ' ');
  return `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="connections by TLS version over time">
<line x1="28" y1="${height - 20}" x2="${width}" y2="${height - 20}" stroke="#d1d9e0"/>
<text x="0" y="14" font-size="11" fill="#59636e">${max}</text><text x="30" y="${height - 4}" font-size="11" fill="#59636e">${first}Z</text>
<text x="${width - 4}" y="${height - 4}" font-size="11" fill="#59636e" text-anchor="end">${last}Z</text>${bars}</svg>`;
}
