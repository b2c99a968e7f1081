// The Kiota-based Microsoft Graph SDK (@microsoft/msgraph-sdk) with the policy dispatcher in the
// fetch its HttpClient calls, and @azure/identity's token requests on the policy agent.
// Run: npm run build && node examples/kiota-graph-sdk.mjs
import { ClientSecretCredential } from '@azure/identity';
import { AzureIdentityAuthenticationProvider } from '@microsoft/kiota-authentication-azure';
import { KiotaClientFactory } from '@microsoft/kiota-http-fetchlibrary';
import { createGraphServiceClient, GraphRequestAdapter } from '@microsoft/msgraph-sdk';
import '@microsoft/msgraph-sdk-users';
import { createFetchDispatcher, createHttpsAgent, createTlsPolicy } from 'm365-tls-policy';
import { ca, lookup, startLocalM365, tryLegacyAndModern } from './local-m365.mjs';

const policy = createTlsPolicy();
const dispatcher = createFetchDispatcher({ policy, connect: { ca, lookup } });
const agent = createHttpsAgent({ policy, ca, lookup });
const entra = await startLocalM365('TLSv1.3'); // the token comes from a TLS 1.3 Entra ID stand-in
const credential = new ClientSecretCredential('contoso.example', '00000000-0000-0000-0000-000000000001', 'example', {
  authorityHost: `https://login.microsoftonline.com:${entra.port}`,
  disableInstanceDiscovery: true,
  agent,
});
const authProvider = new AzureIdentityAuthenticationProvider(credential, ['https://graph.microsoft.com/.default']);
const httpClient = KiotaClientFactory.create((url, init) => fetch(url, { ...init, dispatcher }));

await tryLegacyAndModern('Graph SDK (Kiota)', policy, async (port) => {
  const adapter = new GraphRequestAdapter(authProvider, undefined, undefined, httpClient);
  adapter.baseUrl = `https://graph.microsoft.com:${port}/v1.0`; // the Graph stand-in; production leaves the default
  const graph = createGraphServiceClient(adapter);
  const user = await graph.users.byUserId('adele@contoso.com').get();
  return `${user.displayName} over ${user.additionalData.protocol}`;
});
await entra.close();
agent.destroy();
await dispatcher.close();
