// @azure/identity with the policy agent. Run: npm run build && node examples/azure-identity.mjs
import { ClientSecretCredential } from '@azure/identity';
import { createHttpsAgent, createTlsPolicy } from 'm365-tls-policy';
import { ca, lookup, tryLegacyAndModern } from './local-m365.mjs';

const policy = createTlsPolicy();
const agent = createHttpsAgent({ policy, ca, lookup });
await tryLegacyAndModern('@azure/identity', policy, async (port) => {
  const credential = new ClientSecretCredential('contoso.example', '00000000-0000-0000-0000-000000000001', 'example', {
    authorityHost: `https://login.microsoftonline.com:${port}`,
    disableInstanceDiscovery: true,
    agent,
  });
  return `token ${(await credential.getToken('https://graph.microsoft.com/.default')).token}`;
});
agent.destroy();
