// Counts, not speeds: how often TLS sessions are resumed and keep-alive sockets reused, for a
// plain https.Agent and the policy agent side by side. Part of `npm run bench` (bench/run.mjs).
import * as https from 'node:https';
import { createHttpsAgent } from 'm365-tls-policy';

const plain = (keepAlive) => new https.Agent({ keepAlive, minVersion: 'TLSv1.2' });

/**
 * @param {object} bench
 * @param {{ tls12: number, tls13: number, ca: string }} bench.info the bench servers
 * @param {(agent: https.Agent, port: number) => Promise<boolean>} bench.get one request; resolves to "session reused"
 * @param {Function} bench.lookup resolves every name to 127.0.0.1
 * @param {number} bench.sequential how many requests each count is taken over, one after another
 * @param {(line: string) => void} bench.log
 */
export async function benchResumption({ info, get, lookup, sequential, log }) {
  // One agent reconnecting (keep-alive off): its own session cache, TLS 1.2.
  const resumed = async (agent) => {
    let count = 0;
    for (let i = 0; i < sequential; i++) {
      if (await get(agent, info.tls12)) count += 1;
      await new Promise((r) => setImmediate(r));
    }
    agent.destroy();
    return count / sequential;
  };
  const resumption = { baseline: await resumed(plain(false)), policy: await resumed(createHttpsAgent({ keepAlive: false })) };

  // The first request of each new agent (a client per request): resumed only through the
  // process-wide session store, which a plain agent does not have.
  const firstResumed = async (makeAgent, port) => {
    let count = 0;
    for (let i = 0; i < sequential; i++) {
      const agent = makeAgent();
      if (await get(agent, port)) count += 1;
      agent.destroy();
    }
    return count / sequential;
  };
  const firstRequestResumption = {};
  for (const [label, port] of [
    ['TLS 1.3', info.tls13],
    ['TLS 1.2', info.tls12],
  ]) {
    firstRequestResumption[label] = {
      baseline: await firstResumed(() => plain(false), port),
      policy: await firstResumed(() => createHttpsAgent({ keepAlive: false }), port),
    };
  }

  // Sockets reused over sequential keep-alive requests (all but the first, when keep-alive works).
  const reused = async (agent) => {
    let count = 0;
    for (let i = 0; i < sequential; i++) {
      await new Promise((resolve, reject) => {
        const req = https.get({ host: 'graph.microsoft.com', port: info.tls13, agent, ca: info.ca, lookup }, (res) => {
          if (req.reusedSocket) count += 1;
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
      });
    }
    agent.destroy();
    return count;
  };
  const reuse = { baseline: await reused(new https.Agent({ keepAlive: true })), policy: await reused(createHttpsAgent()) };

  const pct = (x) => `${(x * 100).toFixed(0)}%`;
  log('');
  log(`TLS 1.2 session resumption on ${sequential} reconnects: baseline ${pct(resumption.baseline)}, policy ${pct(resumption.policy)}`);
  for (const [label, r] of Object.entries(firstRequestResumption))
    log(`first request of a new agent resumed (${sequential} agents, ${label}): baseline ${pct(r.baseline)}, policy ${pct(r.policy)}`);
  log(`sockets reused, ${sequential} sequential keep-alive requests: baseline ${reuse.baseline}, policy ${reuse.policy}`);
  return { resumption, firstRequestResumption, reuse };
}
