// node-fetch v3 with the policy agent. Run: npm run build && node examples/node-fetch.mjs
import fetch from 'node-fetch';
import { createHttpsAgent, createTlsPolicy } from 'm365-tls-policy';
import { ca, lookup, tryLegacyAndModern } from './local-m365.mjs';

const policy = createTlsPolicy();
const agent = createHttpsAgent({ policy, ca, lookup });
await tryLegacyAndModern(
  'node-fetch',
  policy,
  async (port) => (await (await fetch(`https://graph.microsoft.com:${port}/v1.0/me`, { agent })).json()).protocol,
);
agent.destroy();
