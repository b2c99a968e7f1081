import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { ClientSecretCredential } from '@azure/identity';
import { AzureIdentityAuthenticationProvider } from '@microsoft/kiota-authentication-azure';
import { KiotaClientFactory } from '@microsoft/kiota-http-fetchlibrary';
import { createGraphServiceClient, GraphRequestAdapter } from '@microsoft/msgraph-sdk';
import '@microsoft/msgraph-sdk-users';
import { createFetchDispatcher, createHttpsAgent, createTlsPolicy, type TlsPolicy } from '../src/index.js';
import { findTlsPolicyError } from '../src/testing/index.js';
import { entraStandIn } from './helpers/entra.js';
import { recordEvents } from './helpers/events.js';
import { CA, lookup } from './helpers/fixtures.js';
import { recordOutgoing } from './helpers/outgoing.js';
import { withServers } from './helpers/tls-server.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const TOKEN = 'eyJ0eXAi.kiota-graph-token.sig';

const entra = entraStandIn({ tenant: TENANT, token: TOKEN });

/** Graph's GET /v1.0/users/{id}, answering only the token Entra issued. */
function graph(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('content-type', 'application/json');
  if (req.headers.authorization !== `Bearer ${TOKEN}`) {
    res.statusCode = 401;
    res.end(JSON.stringify({ error: { code: 'InvalidAuthenticationToken', message: 'no token' } }));
  } else {
    res.end(
      JSON.stringify({ id: '87d349ed-44d7-43e1-9a83-5f2406dee5bd', displayName: 'Adele Vance', userPrincipalName: 'adele@contoso.com' }),
    );
  }
}

/**
 * The Kiota-based Graph SDK as docs/clients/kiota-graph-sdk.md builds it: the policy dispatcher
 * in the fetch Kiota's HttpClient calls (KiotaClientFactory.create), @azure/identity's token
 * requests on the policy agent, one policy for both.
 */
function graphClient(policy: TlsPolicy, loginPort: number, graphPort: number) {
  const dispatcher = createFetchDispatcher({ policy, connect: { ca: CA, lookup } });
  const agent = createHttpsAgent({ policy, ca: CA, lookup });
  const credential = new ClientSecretCredential(TENANT, '66666666-7777-8888-9999-000000000000', 'not-a-real-secret', {
    authorityHost: `https://login.microsoftonline.com:${loginPort}`,
    disableInstanceDiscovery: true,
    agent,
    retryOptions: { maxRetries: 0 },
  });
  const authProvider = new AzureIdentityAuthenticationProvider(credential, ['https://graph.microsoft.com/.default']);
  const httpClient = KiotaClientFactory.create((url, init) => fetch(url, { ...init, dispatcher } as RequestInit));
  const adapter = new GraphRequestAdapter(authProvider, undefined, undefined, httpClient);
  adapter.baseUrl = `https://graph.microsoft.com:${graphPort}/v1.0`;
  return {
    client: createGraphServiceClient(adapter),
    close: async () => {
      agent.destroy();
      await dispatcher.close();
    },
  };
}

const outcome = <T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> =>
  promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );

describe('@microsoft/msgraph-sdk (Kiota) with the policy dispatcher in its fetch and the policy agent in @azure/identity', () => {
  it('users.byUserId().get(): a TLS 1.1 Graph is refused (ERR_TLS_POLICY_VERSION, zero bytes, Bearer token withheld), a TLS 1.3 one answers', async () => {
    await withServers(
      [
        { versions: ['TLSv1.3'], handler: entra },
        { versions: ['TLSv1.1'], handler: graph },
        { versions: ['TLSv1.3'], handler: graph },
      ],
      async ([login, legacy, modern]) => {
        const policy = createTlsPolicy();
        const events = recordEvents(policy);
        const outgoing = recordOutgoing();
        const toLegacy = graphClient(policy, login!.port, legacy!.port);
        const toModern = graphClient(policy, login!.port, modern!.port);
        try {
          const refused = await outcome(toLegacy.client.users.byUserId('adele@contoso.com').get());
          assert.equal(findTlsPolicyError(refused.error)?.code, 'ERR_TLS_POLICY_VERSION', String(refused.error));
          assert.deepEqual(
            events.violations.map((v) => [v.kind, v.action, v.host, v.port]),
            [['legacy-server', 'blocked', 'graph.microsoft.com', legacy!.port]],
          );
          assert.equal(legacy!.bytesReceived, 0, 'the legacy Graph received no byte of the request');
          assert.deepEqual(
            outgoing.requests.filter((r) => r.port === legacy!.port).map((r) => [r.path, r.authorization]),
            [['/v1.0/users/adele%40contoso.com', `Bearer ${TOKEN}`]],
            'the refused request carried the Bearer token: the policy kept it from the wire',
          );
          assert.ok(login!.protocols.length >= 1 && login!.protocols.every((p) => p === 'TLSv1.3'), 'the token came over TLS 1.3');

          const user = await toModern.client.users.byUserId('adele@contoso.com').get();
          assert.equal(user?.displayName, 'Adele Vance');
          assert.equal(user?.userPrincipalName, 'adele@contoso.com');
          assert.deepEqual(modern!.protocols, ['TLSv1.3']);
          assert.ok(events.secure.some((e) => e.host === 'graph.microsoft.com' && e.port === modern!.port && e.protocol === 'TLSv1.3'));
          assert.equal(events.violations.length, 1);
        } finally {
          outgoing.stop();
          await Promise.all([toLegacy.close(), toModern.close()]);
        }
      },
    );
  });

  it('a TLS 1.1 token endpoint is refused through AzureIdentityAuthenticationProvider: Graph is never called', async () => {
    await withServers(
      [
        { versions: ['TLSv1.1'], handler: entra },
        { versions: ['TLSv1.3'], handler: graph },
      ],
      async ([login, modern]) => {
        const policy = createTlsPolicy();
        const events = recordEvents(policy);
        const { client, close } = graphClient(policy, login!.port, modern!.port);
        try {
          const refused = await outcome(client.users.byUserId('adele@contoso.com').get());
          assert.ok(refused.error instanceof Error, 'the SDK call fails');
          assert.ok(
            events.violations.some((v) => v.kind === 'legacy-server' && v.host === 'login.microsoftonline.com' && v.port === login!.port),
          );
          assert.equal(login!.bytesReceived, 0, 'the client secret never reached the legacy Entra endpoint');
          assert.equal(modern!.connections, 0, 'no token, no Graph call');
        } finally {
          await close();
        }
      },
    );
  });
});
