// node:https with the policy agent. Run: npm run example:https
import * as https from 'node:https';
import { createHttpsAgent, createTlsPolicy, isTlsPolicyError } from 'm365-tls-policy';
import { ca, lookup, startLocalM365 } from './local-m365.mjs';

const policy = createTlsPolicy(); // TLS 1.2+ on Microsoft 365 hosts, strong suites, enforce
policy.on('violation', (v) => console.log(`  violation: ${v.kind} ${v.action} ${v.host}:${v.port} ${v.nodeCode ?? ''}`));
const agent = createHttpsAgent({ policy });

function getMe(port) {
  return new Promise((resolve, reject) => {
    https
      .get(
        { host: 'graph.microsoft.com', port, path: '/v1.0/me', agent, ca, lookup, headers: { authorization: 'Bearer <token>' } },
        (res) => {
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve(JSON.parse(body)));
        },
      )
      .on('error', reject);
  });
}

for (const [min, max] of [
  ['TLSv1', 'TLSv1'],
  ['TLSv1.1', 'TLSv1.1'],
  ['TLSv1.2', 'TLSv1.2'],
  ['TLSv1.2', 'TLSv1.3'],
]) {
  const server = await startLocalM365(min, max);
  console.log(`graph.microsoft.com speaking ${min}..${max}:`);
  try {
    const me = await getMe(server.port);
    console.log(`  allowed: ${me.displayName} over ${me.protocol}`);
  } catch (error) {
    if (!isTlsPolicyError(error)) throw error;
    console.log(`  refused: ${error.code}`);
  } finally {
    await server.close();
  }
}
agent.destroy();
