// Heap and handles after 10,000 keep-alive requests, for the baseline agent or the policy agent.
import * as https from 'node:https';
import { createHttpsAgent } from 'm365-tls-policy';

const lookup = (_h, o, cb) => (o?.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4));
const agent = process.env.WHICH === 'policy' ? createHttpsAgent() : new https.Agent({ keepAlive: true, minVersion: 'TLSv1.2' });
const get = () =>
  new Promise((resolve, reject) => {
    https
      .get({ host: 'graph.microsoft.com', port: Number(process.env.PORT), ca: process.env.CA, lookup, agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
      .on('error', reject);
  });
const run = async (n) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next++ < n) await get();
    }),
  );
};
const heap = () => {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};
const scale = Number(process.env.SCALE ?? 1);
await run(Math.round(1000 * scale));
const warm = heap();
await run(Math.round(9000 * scale));
const after = heap();
const handles = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap').length;
// Bytes per idle keep-alive socket: open many sockets at once (concurrent requests), let them go
// idle in the pool, and take the heap's growth per extra socket between a smaller and a larger
// pool (64 then 256 sockets: Node's agent keeps at most 256 free). The slope leaves out what is
// paid once (code compiled on first use of a path), which dividing one pool's heap by its size
// counted too. Sessions are resumed from the same cache entry: this is the per-socket cost.
const pool = async (k) => {
  await Promise.all(Array.from({ length: k }, get));
  return [heap(), Object.values(agent.freeSockets).reduce((n, list) => n + (list?.length ?? 0), 0)];
};
const [smallHeap, smallPool] = await pool(Math.max(8, Math.round(64 * scale)));
const [largeHeap, idleSockets] = await pool(Math.max(20, Math.round(256 * scale)));
const bytesPerIdleSocket = idleSockets > smallPool ? Math.round((largeHeap - smallHeap) / (idleSockets - smallPool)) : null;
agent.destroy();
// Bytes per cached TLS session: one new connection (keep-alive off) to each of M names
// (tenant<i>.sharepoint.com, all on the test certificate), so that M sessions are kept: in the
// plain agent's session cache, or in the policy's (its agent cache, the process-wide store and
// the record of what each session was issued for).
const sessions = Math.max(20, Math.round(500 * scale));
const fresh =
  process.env.WHICH === 'policy'
    ? createHttpsAgent({ keepAlive: false })
    : new https.Agent({ keepAlive: false, minVersion: 'TLSv1.2', maxCachedSessions: sessions });
// Session bytes live in Buffers, outside the JS heap: count both.
const retained = () => {
  heap();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const sessionsBefore = retained();
for (let i = 0; i < sessions; i++) {
  await new Promise((resolve, reject) => {
    https
      .get({ host: `tenant${i}.sharepoint.com`, port: Number(process.env.PORT), ca: process.env.CA, lookup, agent: fresh }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
      .on('error', reject);
  });
}
// Let the sockets close, so that only the sessions remain.
await new Promise((r) => setTimeout(r, 200));
const bytesPerSession = Math.round((retained() - sessionsBefore) / sessions);
fresh.destroy();
process.stdout.write(
  JSON.stringify({ heapUsed: after, growth: after - warm, handles, idleSockets, bytesPerIdleSocket, sessions, bytesPerSession }),
);
