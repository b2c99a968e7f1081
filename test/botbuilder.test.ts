import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import { createTlsPolicy, installTlsPolicy, type TlsPolicy } from '../src/index.js';
import { entraStandIn } from './helpers/entra.js';
import { recordEvents } from './helpers/events.js';
import { recordOutgoing, routeToLoopback } from './helpers/outgoing.js';
import { startTlsServer, type TestServer as Server, type Version } from './helpers/tls-server.js';

// Bot Framework (botbuilder 4) makes its connector calls through @azure/core-rest-pipeline's
// own https.Agent (CloudAdapter's ConnectorFactoryImpl overwrites requestPolicyFactories, where
// an agent could have been set) and its token requests through MSAL's default network client on
// https.globalAgent: the recipe is the process-wide install. These tests install into this
// file's own process and uninstall in `finally`.

const TENANT = '11111111-2222-3333-4444-555555555555';
const TOKEN = 'eyJ0eXAi.botbuilder-connector-token.sig';

const entra = entraStandIn({ tenant: TENANT, token: TOKEN, portInUrls: false });

/** The Bot Connector service: POST .../v3/conversations/{id}/activities[/{replyToId}], with the token Entra issued. */
function connector(req: IncomingMessage, res: ServerResponse, body: string): void {
  res.setHeader('content-type', 'application/json');
  const activity = JSON.parse(body || '{}') as { type?: string; text?: string };
  if (
    req.headers.authorization !== `Bearer ${TOKEN}` ||
    !/^\/amer\/v3\/conversations\/a(:|%3A)conversation-1\/activities/iu.test(req.url ?? '')
  ) {
    res.statusCode = 401;
    res.end(JSON.stringify({ error: { code: 'Unauthorized' } }));
  } else {
    res.end(JSON.stringify({ id: `activity-for-${activity.type}-${activity.text}` }));
  }
}

const reference = {
  serviceUrl: 'https://smba.trafficmanager.net/amer/', // as Teams sends it: no port, routed to loopback below
  channelId: 'msteams',
  conversation: { id: 'a:conversation-1', isGroup: false, conversationType: 'personal', name: 'Adele Vance' },
  user: { id: '29:user-1', name: 'Adele Vance' },
  bot: { id: '28:bot-1', name: 'Contoso bot' },
};

/**
 * A proactive message through the SDK's own call chain, configured as the Teams samples do it
 * (ConfigurationBotFrameworkAuthentication from settings, a single-tenant app with a secret):
 * CloudAdapter.continueConversationAsync gets a token from login.microsoftonline.com (MSAL) and
 * posts the activity to the conversation's serviceUrl (ConnectorClient). Each test uses its own
 * app id, so no token cached by one test serves another.
 */
async function sendProactive(appId: string): Promise<unknown> {
  const settings = {
    MicrosoftAppId: appId,
    MicrosoftAppPassword: 'not-a-real-secret',
    MicrosoftAppType: 'SingleTenant',
    MicrosoftAppTenantId: TENANT,
  } as ConfigurationBotFrameworkAuthenticationOptions;
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication(settings));
  let sent: unknown;
  await adapter.continueConversationAsync(appId, reference, async (context) => {
    sent = await context.sendActivity('Hello from the bot');
  });
  return sent;
}

async function underInstall(
  versions: { login: Version; connector: Version },
  run: (s: { policy: TlsPolicy; login: Server; smba: Server }) => Promise<void>,
) {
  const login = await startTlsServer({ versions: [versions.login], hostnames: ['login.microsoftonline.com'], handler: entra });
  const smba = await startTlsServer({ versions: [versions.connector], hostnames: ['smba.trafficmanager.net'], handler: connector });
  const routes = routeToLoopback(
    new Map([
      ['login.microsoftonline.com', login.port],
      ['smba.trafficmanager.net', smba.port],
    ]),
  );
  // The built-in scope: the Bot Framework hosts are in it (no extraHosts).
  const policy = createTlsPolicy();
  const uninstall = installTlsPolicy(policy);
  try {
    await run({ policy, login, smba });
  } finally {
    uninstall();
    routes.restore();
    await Promise.all([login.close(), smba.close()]);
  }
}

describe('botbuilder under installTlsPolicy (its connector client takes no agent through CloudAdapter)', () => {
  it('CloudAdapter.continueConversationAsync: a TLS 1.1 connector (smba.trafficmanager.net) is refused with zero bytes, Bearer withheld', async () => {
    await underInstall({ login: 'TLSv1.3', connector: 'TLSv1.1' }, async ({ policy, login, smba }) => {
      const events = recordEvents(policy);
      const outgoing = recordOutgoing();
      try {
        const error = await sendProactive('66666666-7777-8888-9999-000000000011').then(
          () => undefined,
          (e: unknown) => e,
        );
        // core-rest-pipeline rethrows the socket error as a RestError with the same code and message.
        assert.equal((error as { name?: string }).name, 'RestError', String(error));
        assert.equal((error as { code?: string }).code, 'ERR_TLS_POLICY_VERSION', String(error));
        assert.ok(events.violations.length >= 1);
        assert.ok(
          events.violations.every((v) => v.kind === 'legacy-server' && v.action === 'blocked' && v.host === 'smba.trafficmanager.net'),
        );
        assert.equal(smba.bytesReceived, 0, 'the legacy connector received no byte of the activity');
        const toConnector = outgoing.requests.filter((r) => r.host === 'smba.trafficmanager.net');
        assert.ok(toConnector.length >= 1);
        assert.ok(
          toConnector.every((r) => r.authorization === `Bearer ${TOKEN}`),
          'the refused request carried the Bearer token',
        );
        assert.deepEqual(login.protocols, ['TLSv1.3'], 'the token came from login.microsoftonline.com over TLS 1.3, under the same policy');
      } finally {
        outgoing.stop();
      }
    });
  });

  it('CloudAdapter.continueConversationAsync: a TLS 1.3 connector receives the activity and answers', async () => {
    await underInstall({ login: 'TLSv1.3', connector: 'TLSv1.3' }, async ({ policy, smba }) => {
      const events = recordEvents(policy);
      const sent = await sendProactive('66666666-7777-8888-9999-000000000012');
      assert.deepEqual(sent, { id: 'activity-for-message-Hello from the bot' });
      assert.deepEqual(smba.protocols, ['TLSv1.3']);
      assert.ok(events.secure.some((e) => e.host === 'smba.trafficmanager.net' && e.protocol === 'TLSv1.3'));
      assert.ok(events.secure.some((e) => e.host === 'login.microsoftonline.com' && e.protocol === 'TLSv1.3'));
      assert.deepEqual(events.violations, []);
    });
  });

  it('a TLS 1.1 login.microsoftonline.com is refused: no token, the connector is never called', async () => {
    await underInstall({ login: 'TLSv1.1', connector: 'TLSv1.3' }, async ({ policy, login, smba }) => {
      const events = recordEvents(policy);
      const error = await sendProactive('66666666-7777-8888-9999-000000000013').then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof Error, 'the SDK call fails');
      assert.ok(events.violations.some((v) => v.kind === 'legacy-server' && v.host === 'login.microsoftonline.com'));
      assert.equal(login.bytesReceived, 0, 'the client secret never reached the legacy endpoint');
      assert.equal(smba.connections, 0);
    });
  });
});
