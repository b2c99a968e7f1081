// needle with the policy agent. Run: npm run build && node examples/needle.mjs
import needle from 'needle';
import { createHttpsAgent, createTlsPolicy } from 'm365-tls-policy';
import { ca, lookup, tryLegacyAndModern } from './local-m365.mjs';

const policy = createTlsPolicy();
const agent = createHttpsAgent({ policy, ca, lookup });
await tryLegacyAndModern(
  'needle',
  policy,
  async (port) => (await needle('get', `https://graph.microsoft.com:${port}/v1.0/me`, null, { agent, json: true })).body.protocol,
);
agent.destroy();
