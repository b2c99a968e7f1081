// The Microsoft Graph SDK over the policy dispatcher. Run: npm run build && node examples/graph-sdk.mjs
import { Client } from '@microsoft/microsoft-graph-client';
import { createFetchDispatcher, createTlsPolicy } from 'm365-tls-policy';
import { ca, lookup, tryLegacyAndModern } from './local-m365.mjs';

const policy = createTlsPolicy();
const dispatcher = createFetchDispatcher({ policy, connect: { ca, lookup } });
await tryLegacyAndModern('Graph SDK', policy, async (port) => {
  const client = Client.init({
    authProvider: (done) => done(null, 'example-token'),
    baseUrl: `https://graph.microsoft.com:${port}/`,
    fetchOptions: { dispatcher },
  });
  return (await client.api('/me').get()).protocol;
});
await dispatcher.close();
