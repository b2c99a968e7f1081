// The probe against sslscan, whole commands as an admin runs them, on the same loopback server
// (TLS 1.2 + 1.3, RSA 2048, every suite the kit serves): wall time per full scan of one target
// (versions, suites, SCSV, certificate), alternating the two. The goal (issue: probe like
// sslscan) is a ratio probe/sslscan of 2 or less. sslscan comes from Debian's packages; when it
// is missing the probe is timed alone.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../dist/esm/cli/bin.js', import.meta.url));

function timed(file, args) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    execFile(file, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      // The probe exits 1 when a target fails the policy: that is a result, not an error here.
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, stdout });
    });
  });
}

function sslscanPath() {
  try {
    return execFileSync('sh', ['-c', 'command -v sslscan']).toString().trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Median wall times and the per-round ratio probe/sslscan (lower is better). */
export async function benchProbe({ rounds, warmup = true, port, ca, log, median }) {
  const dir = mkdtempSync(join(tmpdir(), 'm365-tls-policy-bench-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ca);
  const target = `graph.microsoft.com:${port}`;
  const probeArgs = [BIN, 'probe', target, '--resolve', `${target}:127.0.0.1`, '--ca', caFile, '--json'];
  const sslscan = sslscanPath();
  const scanArgs = ['--no-colour', '--sni-name=graph.microsoft.com', `127.0.0.1:${port}`];
  const probe = [];
  const inside = [];
  const scan = [];
  try {
    for (let round = warmup ? -1 : 0; round < rounds; round++) {
      const runProbe = async () => {
        const r = await timed(process.execPath, probeArgs);
        if (round >= 0) {
          probe.push(r.ms);
          inside.push(JSON.parse(r.stdout).targets[0].durationMs);
        }
      };
      const runScan = async () => {
        if (sslscan === undefined) return;
        const r = await timed(sslscan, scanArgs);
        if (round >= 0) scan.push(r.ms);
      };
      if (round % 2 === 0) {
        await runProbe();
        await runScan();
      } else {
        await runScan();
        await runProbe();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const result = { probeMs: median(probe), probeInProcessMs: median(inside) };
  if (scan.length > 0) {
    const ratios = probe.map((p, i) => p / scan[i]).sort((a, b) => a - b);
    const q = (f) => ratios[Math.min(ratios.length - 1, Math.floor(f * ratios.length))];
    Object.assign(result, { sslscanMs: median(scan), ratio: median(ratios), roundRatios: { p25: q(0.25), p75: q(0.75) } });
    log(
      `probe one target fully (versions, suites, SCSV, chain), wall time: sslscan ${result.sslscanMs.toFixed(0)} ms, probe ${result.probeMs.toFixed(0)} ms (of which probing ${result.probeInProcessMs} ms); ratio ${result.ratio.toFixed(2)} (p25-p75 ${result.roundRatios.p25.toFixed(2)}-${result.roundRatios.p75.toFixed(2)}; goal <= 2)`,
    );
  } else {
    log(
      `probe one target fully, wall time: ${result.probeMs.toFixed(0)} ms (sslscan not found: install it, e.g. apt-get install sslscan, to compare)`,
    );
  }
  return result;
}
