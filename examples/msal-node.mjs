// MSAL for Node with the policy network client. Run: npm run build && node examples/msal-node.mjs
import { ConfidentialClientApplication } from '@azure/msal-node';
import { createMsalNetworkClient, createTlsPolicy } from 'm365-tls-policy';
import { ca, lookup, tryLegacyAndModern } from './local-m365.mjs';

const policy = createTlsPolicy();
const networkClient = createMsalNetworkClient({ policy, connect: { ca, lookup } });
await tryLegacyAndModern('MSAL', policy, async (port) => {
  const cca = new ConfidentialClientApplication({
    auth: {
      clientId: '00000000-0000-0000-0000-000000000001',
      clientSecret: 'example',
      authority: `https://login.microsoftonline.com:${port}/contoso.example`,
      knownAuthorities: [`login.microsoftonline.com:${port}`],
    },
    system: { networkClient },
  });
  const result = await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
  return `token ${result.accessToken}`;
});
await networkClient.close();
