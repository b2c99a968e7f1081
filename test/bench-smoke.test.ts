import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// The bench is not a test (it reports, it never fails on time), but it must keep running:
// one tiny round of every scenario, and the JSON it promises.
describe('npm run bench', () => {
  it('runs every scenario (--smoke) and reports the documented figures as JSON', async () => {
    const script = fileURLToPath(new URL('../../bench/run.mjs', import.meta.url));
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [script, '--smoke', '--json'], { timeout: 120_000 }, (error, out, err) =>
        error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
      );
    });
    const doc = JSON.parse(stdout) as {
      throughput: Array<{ scenario: string; baseline: number; policy: number; ratio: number }>;
      micro: Record<string, number>;
      resumption: { baseline: number; policy: number };
      firstRequestResumption: Record<string, { baseline: number; policy: number }>;
      reuse: { baseline: number; policy: number };
      memory: { baseline: { heapUsed: number; handles: number }; policy: { heapUsed: number; handles: number } };
      importMs: number;
      probe: { probeMs: number; probeInProcessMs: number; sslscanMs?: number; ratio?: number };
    };
    assert.deepEqual(
      doc.throughput.map((t) => t.scenario),
      [
        'https keep-alive, TLS 1.3',
        'https keep-alive, TLS 1.2',
        'https new connection per request, TLS 1.3',
        'https new connection per request, TLS 1.2',
        'https new agent per request, TLS 1.3',
        'https new agent per request, TLS 1.2',
        'fetch keep-alive, TLS 1.3',
        'installed policy vs none, https.get, TLS 1.3',
        // 100 and 1,000 in a real run; --smoke opens 2 and 20.
        'installed vs none, 2 other sockets open',
        'installed vs none, 20 other sockets open',
      ],
    );
    for (const t of doc.throughput) assert.ok(t.baseline > 0 && t.policy > 0 && t.ratio > 0, t.scenario);
    assert.equal(Object.keys(doc.micro).length, 5);
    // Not timing: facts that must hold however fast the machine is.
    // Resumption works at all (not 0 === 0), and the policy resumes at least as often as the
    // baseline (more: the process-wide session store serves even a new agent's first connection).
    assert.ok(doc.resumption.baseline > 0.9, `baseline resumption ${doc.resumption.baseline}`);
    assert.ok(doc.resumption.policy >= doc.resumption.baseline, 'session resumption at least as good as the baseline');
    // A new policy agent's first request resumes from the process-wide store (earlier scenarios
    // stored a session for this context, name and port); a plain agent's never does. (Exactly
    // every one is proved in session-store.test.ts; here, that the bench sees it.)
    assert.deepEqual(Object.keys(doc.firstRequestResumption), ['TLS 1.3', 'TLS 1.2']);
    for (const [label, r] of Object.entries(doc.firstRequestResumption)) {
      assert.equal(r.baseline, 0, label);
      assert.ok(r.policy >= 0.9, `${label}: ${r.policy}`);
    }
    assert.equal(doc.reuse.policy, doc.reuse.baseline, 'keep-alive reuse as good as the baseline');
    assert.equal(doc.memory.policy.handles, 0);
    assert.ok(doc.importMs > 0);
    // The probe scanned the bench's server (and sslscan did too where it is installed).
    assert.ok(doc.probe.probeMs > 0 && doc.probe.probeInProcessMs > 0, JSON.stringify(doc.probe));
    assert.equal(doc.probe.ratio === undefined, doc.probe.sslscanMs === undefined);
  });
});
