// The Microsoft 365 Agents SDK (@microsoft/agents-hosting) under the process-wide install: the
// SDK calls the global fetch with no agent or dispatcher, so the policy goes in process-wide.
// In production: node --import m365-tls-policy/register app.js, with
// M365_TLS_POLICY_HOSTS=api.botframework.com,login.botframework.com,token.botframework.com,smba.trafficmanager.net
// Run: npm run build && node examples/agents-sdk.mjs
import { CloudAdapter } from '@microsoft/agents-hosting';
import { createTlsPolicy, installTlsPolicy } from 'm365-tls-policy';
import { routeToLocal, startLocalM365, tryLegacyAndModern } from './local-m365.mjs';

// The built-in scope covers the Bot Framework hosts (api/login/token.botframework.com,
// smba.trafficmanager.net) as well as Entra ID: no extraHosts needed.
const policy = createTlsPolicy();
const uninstall = installTlsPolicy(policy);

// Stand-ins: Entra ID over TLS 1.3, and the Teams connector at smba.trafficmanager.net.
const entra = await startLocalM365('TLSv1.3');
const routes = new Map([['login.microsoftonline.com', entra.port]]);
const unroute = await routeToLocal(routes);

const appId = '00000000-0000-0000-0000-000000000001';
const adapter = new CloudAdapter({ clientId: appId, clientSecret: 'example', tenantId: 'contoso.example' });
const reference = {
  serviceUrl: 'https://smba.trafficmanager.net/amer/',
  channelId: 'msteams',
  conversation: { id: 'a:conversation-1' },
  user: { id: '29:user-1' },
  agent: { id: '28:agent-1' },
};
await tryLegacyAndModern(
  'Agents SDK (CloudAdapter)',
  policy,
  async (port) => {
    routes.set('smba.trafficmanager.net', port);
    let sent;
    await adapter.continueConversation(appId, reference, async (context) => {
      sent = await context.sendActivity('Hello from the agent');
    });
    return `activity sent, the connector answered over ${sent.protocol}`;
  },
  (version) => startLocalM365(version, version, ['smba.trafficmanager.net']),
);
await unroute();
await entra.close();
uninstall();
