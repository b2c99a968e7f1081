// Bot Framework (botbuilder 4) under the process-wide install: its connector client builds its own
// https.Agent and CloudAdapter gives no way to replace it, so the policy goes in process-wide.
// In production: node --import m365-tls-policy/register app.js, with
// M365_TLS_POLICY_HOSTS=api.botframework.com,login.botframework.com,token.botframework.com,smba.trafficmanager.net
// Run: npm run build && node examples/botbuilder.mjs
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
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
const adapter = new CloudAdapter(
  new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: appId,
    MicrosoftAppPassword: 'example',
    MicrosoftAppType: 'SingleTenant',
    MicrosoftAppTenantId: 'contoso.example',
  }),
);
const reference = {
  serviceUrl: 'https://smba.trafficmanager.net/amer/',
  channelId: 'msteams',
  conversation: { id: 'a:conversation-1' },
  user: { id: '29:user-1' },
  bot: { id: '28:bot-1' },
};
await tryLegacyAndModern(
  'botbuilder (CloudAdapter)',
  policy,
  async (port) => {
    routes.set('smba.trafficmanager.net', port);
    let sent;
    await adapter.continueConversationAsync(appId, reference, async (context) => {
      sent = await context.sendActivity('Hello from the bot');
    });
    return `activity sent, the connector answered over ${sent.protocol}`;
  },
  (version) => startLocalM365(version, version, ['smba.trafficmanager.net']),
);
await unroute();
await entra.close();
uninstall();
