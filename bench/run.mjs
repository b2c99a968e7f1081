// npm run bench: the policy's cost, measured side by side with a baseline. Not a test: it
// reports, it never fails on time. Each scenario alternates baseline and policy rounds so that
// machine noise hits both; the table shows medians and the ratio policy/baseline (for
// throughput, higher is better). Options: --json (the figures as JSON on stdout),
// --out <file> (also write them there, e.g. bench/results/latest.json), --quick (fewer rounds).
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent as UndiciAgent } from 'undici';
import { checkTlsPolicy, createFetchDispatcher, createHttpsAgent, createTlsPolicy } from 'm365-tls-policy';
import { benchProbe } from './probe.mjs';
import { benchResumption } from './resumption.mjs';

const { values: args } = parseArgs({
  options: { json: { type: 'boolean' }, out: { type: 'string' }, quick: { type: 'boolean' }, smoke: { type: 'boolean' } },
});
// --smoke: one tiny round of everything, to prove the bench still runs (the test suite does).
const ROUNDS = args.smoke ? 1 : args.quick ? 3 : 11;
const SCALE = args.smoke ? 0.05 : 1;
// The smoke run proves the bench runs, not how fast: no unrecorded warm-up rounds (it runs in the
// test suite, where every second of CPU counts).
const WARMUP_ROUNDS = args.smoke ? 0 : 1;
// Sequential reconnects and keep-alive requests of the resumption and reuse checks: at least 20,
// so that a percentage still means something in a smoke run (one miss is 5 %, not 100 %).
const SEQUENTIAL = Math.max(20, Math.round(200 * SCALE));
const log = (line) => {
  if (!args.json) process.stdout.write(`${line}\n`);
};

const server = spawn(process.execPath, [new URL('./server.mjs', import.meta.url).pathname], { stdio: ['pipe', 'pipe', 'inherit'] });
const info = await new Promise((resolve) => server.stdout.once('data', (d) => resolve(JSON.parse(String(d)))));
const lookup = (_h, o, cb) => (o?.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function get(agent, port) {
  return new Promise((resolve, reject) => {
    https
      .get({ host: 'graph.microsoft.com', port, agent, ca: info.ca, lookup }, (res) => {
        const reused = res.socket.isSessionReused();
        res.resume();
        res.on('end', () => resolve(reused));
      })
      .on('error', reject);
  });
}

/** Requests per second for `n` requests at `concurrency`, through `send`. */
async function rate(n, concurrency, send) {
  n = Math.max(concurrency, Math.round(n * SCALE));
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < n) await send();
    }),
  );
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

/**
 * Baseline and policy interleaved: baseline, policy, policy, baseline, ... each round with a
 * fresh client, after one unrecorded warm-up round of each, so that machine noise (the server
 * process, GC, the other core) falls on both alike. One client runs at a time, so the figures
 * show the client's own cost, not a saturated server's.
 */
async function sideBySide(name, { n, concurrency, baseline, policy }) {
  const b = [];
  const p = [];
  for (let round = -WARMUP_ROUNDS; round < ROUNDS; round++) {
    // ABBA order: which of the two runs first alternates, so neither always inherits the
    // other's garbage or warms the server for it.
    const order =
      round % 2 === 0
        ? [
            [baseline, b],
            [policy, p],
          ]
        : [
            [policy, p],
            [baseline, b],
          ];
    for (const [make, into] of order) {
      const client = make();
      const r = await rate(round < 0 ? Math.min(n, 200) : n, concurrency, client.send);
      await client.close();
      if (round >= 0) into.push(r);
    }
  }
  return report(name, b, p);
}

/**
 * Medians, and the ratio policy/baseline with its spread, both from the same samples: the
 * per-round ratios (each round runs baseline and policy side by side), their median and their
 * p25-p75. (A ratio of the two medians could fall outside that spread.)
 */
function report(name, b, p) {
  const perRound = b.map((x, i) => p[i] / x).sort((x, y) => x - y);
  const q = (f) => perRound[Math.min(perRound.length - 1, Math.floor(f * perRound.length))];
  const row = {
    scenario: name,
    baseline: median(b),
    policy: median(p),
    ratio: median(perRound),
    roundRatios: { p25: q(0.25), p75: q(0.75) },
  };
  log(
    `${name.padEnd(44)} ${row.baseline.toFixed(0).padStart(8)} ${row.policy.toFixed(0).padStart(8)} ${row.ratio.toFixed(3).padStart(7)}   ${row.roundRatios.p25.toFixed(2)}-${row.roundRatios.p75.toFixed(2)}`,
  );
  return row;
}

const httpsClient = (agent, port) => ({ send: () => get(agent, port), close: async () => agent.destroy() });
const fetchClient = (dispatcher, port) => ({
  send: async () => (await fetch(`https://graph.microsoft.com:${port}/`, { dispatcher })).text(),
  close: () => dispatcher.close(),
});

log(
  `m365-tls-policy bench, ${new Date().toISOString()}, Node.js ${process.version}, OpenSSL ${process.versions.openssl}, ${ROUNDS} rounds each`,
);
log(
  `${'scenario (requests/s, median)'.padEnd(44)} ${'baseline'.padStart(8)} ${'policy'.padStart(8)} ${'ratio'.padStart(7)}   per-round ratios p25-p75`,
);
const results = {
  date: new Date().toISOString(),
  node: process.version,
  openssl: process.versions.openssl,
  rounds: ROUNDS,
  throughput: [],
  micro: {},
  resumption: {},
  memory: {},
  importMs: 0,
};

for (const [label, port] of [
  ['TLS 1.3', info.tls13],
  ['TLS 1.2', info.tls12],
]) {
  results.throughput.push(
    await sideBySide(`https keep-alive, ${label}`, {
      n: 2000,
      concurrency: 8,
      baseline: () => httpsClient(new https.Agent({ keepAlive: true, minVersion: 'TLSv1.2' }), port),
      policy: () => httpsClient(createHttpsAgent(), port),
    }),
  );
}
for (const [label, port] of [
  ['TLS 1.3', info.tls13],
  ['TLS 1.2', info.tls12],
]) {
  results.throughput.push(
    await sideBySide(`https new connection per request, ${label}`, {
      n: 300,
      concurrency: 4,
      baseline: () => httpsClient(new https.Agent({ keepAlive: false, minVersion: 'TLSv1.2' }), port),
      policy: () => httpsClient(createHttpsAgent({ keepAlive: false }), port),
    }),
  );
}
// A client per request (a new axios instance per tenant or job): each request a new agent.
// The policy agent resumes from the process-wide session store on a shared hardened context;
// the plain agent pays a full handshake on a new context every time.
for (const [label, port] of [
  ['TLS 1.3', info.tls13],
  ['TLS 1.2', info.tls12],
]) {
  const perRequest = (makeAgent) => ({
    send: async () => {
      const agent = makeAgent();
      try {
        return await get(agent, port);
      } finally {
        agent.destroy();
      }
    },
    close: async () => {},
  });
  results.throughput.push(
    await sideBySide(`https new agent per request, ${label}`, {
      n: 300,
      concurrency: 4,
      baseline: () => perRequest(() => new https.Agent({ keepAlive: false, minVersion: 'TLSv1.2' })),
      policy: () => perRequest(() => createHttpsAgent({ keepAlive: false })),
    }),
  );
}
results.throughput.push(
  await sideBySide('fetch keep-alive, TLS 1.3', {
    n: 2000,
    concurrency: 8,
    baseline: () => fetchClient(new UndiciAgent({ connect: { ca: info.ca, lookup } }), info.tls13),
    policy: () => fetchClient(createFetchDispatcher({ connect: { ca: info.ca, lookup } }), info.tls13),
  }),
);

// Process-wide install: each round is a pair of child processes, with and without the register
// module; then again with 100 and 1,000 other connections open (idle in a pool) in the child,
// to show whether the install's per-request cost grows with the sockets it watches.
{
  const child = new URL('./install-child.mjs', import.meta.url).pathname;
  const run = (withPolicy, open) =>
    new Promise((resolve, reject) => {
      const args = [...(withPolicy ? ['--import', 'm365-tls-policy/register'] : []), child];
      execFile(
        process.execPath,
        args,
        { env: { ...process.env, PORT: String(info.tls13), CA: info.ca, N: String(Math.round(2000 * SCALE)), OPEN: String(open) } },
        (error, stdout) => (error ? reject(error) : resolve(Number(stdout))),
      );
    });
  for (const open of [0, 100, 1000]) {
    const opened = Math.round(open * (args.smoke ? 0.02 : 1));
    // The 100/1,000 rounds open that many TLS connections first: fewer rounds keep the bench short.
    const rounds = open === 0 ? ROUNDS : Math.max(1, Math.ceil(ROUNDS / 2));
    const b = [];
    const p = [];
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) {
        b.push(await run(false, opened));
        p.push(await run(true, opened));
      } else {
        p.push(await run(true, opened));
        b.push(await run(false, opened));
      }
    }
    const label = open === 0 ? 'installed policy vs none, https.get, TLS 1.3' : `installed vs none, ${opened} other sockets open`;
    results.throughput.push(report(label, b, p));
  }
}

// Micro: the scope decision and the offline checker, ns per call.
{
  const policy = createTlsPolicy();
  const nsPer = (fn, n = 1_000_000) => {
    n = Math.max(1000, Math.round(n * SCALE));
    for (let i = 0; i < Math.max(500, 10_000 * SCALE); i++) fn(); // warm up
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    return Number(process.hrtime.bigint() - start) / n;
  };
  const big = createTlsPolicy({ extraHosts: Array.from({ length: 5000 }, (_, i) => `*.tenant${i}.example.com`) });
  results.micro = {
    'appliesTo in scope (graph.microsoft.com)': nsPer(() => policy.appliesTo('graph.microsoft.com')),
    'appliesTo in scope (contoso.sharepoint.com)': nsPer(() => policy.appliesTo('contoso.sharepoint.com')),
    'appliesTo out of scope (www.example.org)': nsPer(() => policy.appliesTo('www.example.org')),
    'appliesTo, 5,000 extra patterns (a.b.example.net)': nsPer(() => big.appliesTo('a.b.example.net')),
    'checkTlsPolicy on options': nsPer(() => checkTlsPolicy({ host: 'graph.microsoft.com', minVersion: 'TLSv1.2' }, policy), 100_000),
  };
  log('');
  for (const [k, v] of Object.entries(results.micro)) log(`${k.padEnd(52)} ${v.toFixed(0).padStart(6)} ns/call`);
}

// TLS session resumption (one agent reconnecting; the first request of new agents) and sockets
// reused under keep-alive: counts, not speeds (bench/resumption.mjs).
Object.assign(results, await benchResumption({ info, get, lookup, sequential: SEQUENTIAL, log }));

// Heap and handles after 10,000 requests (a child each, started with --expose-gc).
{
  const child = new URL('./memory-child.mjs', import.meta.url).pathname;
  const measure = (which) =>
    JSON.parse(
      execFileSync(process.execPath, ['--expose-gc', child], {
        env: { ...process.env, WHICH: which, PORT: String(info.tls13), CA: info.ca, SCALE: String(SCALE) },
      }).toString(),
    );
  results.memory = { baseline: measure('baseline'), policy: measure('policy') };
  const m = results.memory;
  log(
    `heap after 10,000 requests (after GC): baseline ${(m.baseline.heapUsed / 1e6).toFixed(1)} MB, policy ${(m.policy.heapUsed / 1e6).toFixed(1)} MB; growth from 1,000 to 10,000: baseline ${(m.baseline.growth / 1e6).toFixed(2)} MB, policy ${(m.policy.growth / 1e6).toFixed(2)} MB; open handles: baseline ${m.baseline.handles}, policy ${m.policy.handles}`,
  );
  log(
    `heap per idle keep-alive socket (TLS 1.3): baseline ${m.baseline.bytesPerIdleSocket} B (${m.baseline.idleSockets} sockets), policy ${m.policy.bytesPerIdleSocket} B (${m.policy.idleSockets} sockets)`,
  );
  log(
    `heap and buffers per cached TLS session (TLS 1.3, ${m.baseline.sessions} host names): baseline ${m.baseline.bytesPerSession} B, policy ${m.policy.bytesPerSession} B`,
  );
}

// Time to import the main entry (fresh process each time).
{
  const times = Array.from({ length: ROUNDS }, () =>
    Number(
      execFileSync(process.execPath, [
        '--input-type=module',
        '-e',
        "const t = process.hrtime.bigint(); await import('m365-tls-policy'); console.log(Number(process.hrtime.bigint() - t) / 1e6)",
      ]).toString(),
    ),
  );
  results.importMs = median(times);
  log(`import of the main entry: ${results.importMs.toFixed(1)} ms (median of ${ROUNDS})`);
}

// The CLI probe against sslscan on the same server.
log('');
results.probe = await benchProbe({ rounds: ROUNDS, warmup: WARMUP_ROUNDS > 0, port: info.both, ca: info.ca, log, median });

server.stdin.end();
if (args.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
if (args.out) {
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
}
