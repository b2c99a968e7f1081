import { type palette, printable } from '../format.js';
import { PROBE_VERSIONS, type ProbeResult, type SuiteResult } from './types.js';

// The text report: one block per target, then a summary. Server-controlled text (certificate
// names, STARTTLS replies) goes through `printable`.

type Palette = ReturnType<typeof palette>;
const LABEL = 15;
const label = (s: string): string => `  ${s.padEnd(LABEL)}`;
const more = ' '.repeat(LABEL + 2);

function suiteLine(s: SuiteResult, c: Palette): string {
  const verdict = s.weak ? c.bad(`weak: ${s.weaknesses.join(', ')}`) : s.policy ? c.ok('policy') : c.dim('not in the policy');
  return `${more}  ${s.name.padEnd(32)} ${verdict}`;
}

/** One target's block: versions with their suites, downgrade protection, key exchange, chain, warnings, verdict. */
export function formatProbe(result: ProbeResult, c: Palette): string {
  const via = [result.address ? `connecting to ${result.address}` : '', result.starttls ? `STARTTLS ${result.starttls}` : '']
    .filter(Boolean)
    .join(', ');
  const lines = [`${result.target}${via ? c.dim(` (${via})`) : ''}`];
  if (!result.reachable) {
    lines.push(`${label('policy')}${c.bad('FAIL')}  ${printable(result.error?.message ?? '')} ${c.dim(`(${result.error?.code})`)}`);
    return lines.join('\n');
  }
  for (const version of PROBE_VERSIONS) {
    const v = result.versions[version];
    const legacy = version === 'TLSv1' || version === 'TLSv1.1';
    const word = (v.accepted ? 'accepted' : 'refused').padEnd(8);
    const state = v.accepted ? (legacy ? c.bad(word) : c.ok(word)) : legacy ? c.ok(word) : c.dim(word);
    const detail = v.accepted ? `${v.ciphers.length} suite${v.ciphers.length === 1 ? '' : 's'}` : c.dim(v.code ?? '');
    lines.push(`${label(version)}${state}  ${detail}`);
    for (const s of v.ciphers) lines.push(suiteLine(s, c));
  }
  const scsv =
    result.fallbackScsv === null
      ? c.dim('not applicable (one version accepted, or no clear answer)')
      : result.fallbackScsv
        ? c.ok('a fallback to a lower version is refused')
        : c.bad('a fallback to a lower version is NOT refused');
  lines.push(`${label('fallback SCSV')}${scsv}`);
  if (result.keyExchange) {
    const k = result.keyExchange;
    lines.push(`${label('key exchange')}${k.type}${k.name ? ` ${k.name}` : ''}${k.bits ? ` (${k.bits} bits)` : ''}`);
  }
  if (result.certificate) {
    const cert = result.certificate;
    lines.push(`${label('certificate')}${printable(cert.subject)}`);
    lines.push(
      `${more}issued by ${printable(cert.issuer)}, ${cert.verified ? c.ok('verified') : c.bad(`not verified (${cert.verifyError ?? 'unknown'})`)}`,
    );
  }
  result.chain.forEach((cert, i) => {
    const key = `${cert.keyType.toUpperCase()}${cert.keyBits ? ` ${cert.keyBits}` : ''}`;
    const days = cert.daysLeft === null ? c.bad('date unreadable') : cert.daysLeft < 0 ? c.bad('expired') : `${cert.daysLeft} days left`;
    lines.push(`${i === 0 ? label('chain') : more}${i + 1}. ${printable(cert.subject)}`);
    lines.push(
      `${more}   ${key}, ${cert.signatureAlgorithm}, until ${cert.validTo.slice(0, 10)} (${days})${cert.selfSigned ? ', self-signed' : ''}`,
    );
  });
  result.warnings.forEach((w, i) => {
    lines.push(`${i === 0 ? label('warnings') : more}${c.bad('!')} ${printable(w.message)}`);
  });
  lines.push(`${label('policy')}${result.policy.passes ? c.ok('PASS') : c.bad('FAIL')}  ${printable(result.policy.reason)}`);
  return lines.join('\n');
}

export interface ProbeSummary {
  readonly targets: number;
  readonly passed: number;
  readonly failed: number;
  readonly unreachable: number;
  readonly warnings: number;
  readonly durationMs: number;
}

export function summarize(results: readonly ProbeResult[], durationMs: number): ProbeSummary {
  const passed = results.filter((r) => r.policy.passes).length;
  return {
    targets: results.length,
    passed,
    failed: results.length - passed,
    unreachable: results.filter((r) => !r.reachable).length,
    warnings: results.reduce((n, r) => n + r.warnings.length, 0),
    durationMs,
  };
}

/** The closing lines: counts, then the targets that failed and why. */
export function formatSummary(summary: ProbeSummary, results: readonly ProbeResult[], c: Palette): string {
  const counts = [
    c.ok(`${summary.passed} pass`),
    summary.failed > 0 ? c.bad(`${summary.failed} fail`) : `${summary.failed} fail`,
    ...(summary.unreachable > 0 ? [`${summary.unreachable} unreachable`] : []),
    `${summary.warnings} warning${summary.warnings === 1 ? '' : 's'}`,
  ];
  const lines = [
    `${summary.targets} target${summary.targets === 1 ? '' : 's'}: ${counts.join(', ')} (${(summary.durationMs / 1000).toFixed(1)} s)`,
  ];
  for (const r of results.filter((x) => !x.policy.passes)) lines.push(`  ${c.bad('FAIL')} ${r.target}  ${printable(r.policy.reason)}`);
  return lines.join('\n');
}
