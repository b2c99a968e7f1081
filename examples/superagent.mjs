// superagent with the policy agent. Run: npm run build && node examples/superagent.mjs
import superagent from 'superagent';
import { createHttpsAgent, createTlsPolicy } from 'm365-tls-policy';
import { ca, lookup, tryLegacyAndModern } from './local-m365.mjs';

const policy = createTlsPolicy();
const agent = createHttpsAgent({ policy, ca, lookup });
await tryLegacyAndModern(
  'superagent',
  policy,
  async (port) => (await superagent.get(`https://graph.microsoft.com:${port}/v1.0/me`).agent(agent)).body.protocol,
);
agent.destroy();
