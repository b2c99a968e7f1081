import type { RuntimeFinding } from '../process/runtime-audit.js';
import { PROBE_VERSIONS, type ProbeResult } from './probe.js';

/** ANSI colour only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function palette(
  stream: { isTTY?: boolean },
  env: NodeJS.ProcessEnv,
): { ok(s: string): string; bad(s: string): string; dim(s: string): string } {
  const on = stream.isTTY === true && (env['NO_COLOR'] === undefined || env['NO_COLOR'] === '');
  const wrap = (code: number) => (s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { ok: wrap(32), bad: wrap(31), dim: wrap(2) };
}

// Server-controlled text (certificate names) goes to a terminal: control characters are shown
// escaped, so a certificate cannot move the cursor or forge a line of the report.
const printable = (s: string): string =>
  s.replace(/[\u0000-\u001f\u007f-\u009f]/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** A compact table per target: one line per version, the certificate, the verdict. */
export function formatProbe(result: ProbeResult, c: ReturnType<typeof palette>): string {
  const lines = [`${result.target}${result.address ? c.dim(` (connecting to ${result.address})`) : ''}`];
  if (!result.reachable) {
    lines.push(`  ${c.bad('FAIL')}  ${result.error?.message} ${c.dim(`(${result.error?.code})`)}`);
    return lines.join('\n');
  }
  for (const version of PROBE_VERSIONS) {
    const v = result.versions[version];
    const legacy = version === 'TLSv1' || version === 'TLSv1.1';
    const state = v.accepted ? (legacy ? c.bad('accepted') : c.ok('accepted')) : legacy ? c.ok('refused ') : c.dim('refused ');
    lines.push(`  ${version.padEnd(8)} ${state}  ${v.accepted ? (v.cipher ?? '') : c.dim(v.code ?? '')}`);
  }
  if (result.certificate) {
    const cert = result.certificate;
    lines.push(`  certificate  ${printable(cert.subject)}`);
    lines.push(
      `               issued by ${printable(cert.issuer)}, expires ${cert.validTo.slice(0, 10)}, ${cert.verified ? c.ok('verified') : c.bad(`not verified (${cert.verifyError ?? 'unknown'})`)}`,
    );
  }
  lines.push(`  policy   ${result.policy.passes ? c.ok('PASS') : c.bad('FAIL')}  ${printable(result.policy.reason)}`);
  return lines.join('\n');
}

export function formatFindings(findings: readonly RuntimeFinding[], c: ReturnType<typeof palette>): string {
  const order = { high: 0, medium: 1, low: 2, info: 3 } as const;
  return [...findings]
    .sort((a, b) => order[a.severity] - order[b.severity])
    .map((f) => {
      const tag =
        f.severity === 'high'
          ? c.bad('HIGH  ')
          : f.severity === 'medium'
            ? c.bad('MEDIUM')
            : f.severity === 'low'
              ? 'LOW   '
              : c.dim('INFO  ');
      return f.severity === 'info' ? `${tag} ${f.message}` : `${tag} ${f.message}\n       fix: ${f.fix}`;
    })
    .join('\n');
}
