// got with the policy agent. Run: npm run build && node examples/got.mjs
import got from 'got';
import { createHttpsAgent, createTlsPolicy } from 'm365-tls-policy';
import { ca, lookup, tryLegacyAndModern } from './local-m365.mjs';

const policy = createTlsPolicy();
const agent = createHttpsAgent({ policy, ca, lookup });
await tryLegacyAndModern(
  'got',
  policy,
  async (port) => (await got(`https://graph.microsoft.com:${port}/v1.0/me`, { agent: { https: agent } }).json()).protocol,
);
agent.destroy();
