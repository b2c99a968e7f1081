import type { RuntimeFinding } from '../process/runtime-audit.js';

/** ANSI colour only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function palette(
  stream: { isTTY?: boolean },
  env: NodeJS.ProcessEnv,
): { ok(s: string): string; bad(s: string): string; dim(s: string): string } {
  const on = stream.isTTY === true && (env['NO_COLOR'] === undefined || env['NO_COLOR'] === '');
  const wrap = (code: number) => (s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { ok: wrap(32), bad: wrap(31), dim: wrap(2) };
}

// Server-controlled text (certificate names, STARTTLS replies) goes to a terminal: control
// characters are shown escaped, so a certificate cannot move the cursor or forge a line of the
// report; so are the bidirectional controls and line separators, which can reorder or break a
// line on screen ("CN=\u202Eexe.gnp" shows as "CN=png.exe").
export const printable = (s: string): string =>
  s
    .replace(/[\u0000-\u001f\u007f-\u009f]/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/[\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu, (c) => `\\u${c.charCodeAt(0).toString(16)}`);

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
