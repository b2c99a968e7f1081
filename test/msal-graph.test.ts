import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { Client } from '@microsoft/microsoft-graph-client';
import { createFetchDispatcher, createMsalNetworkClient, createTlsPolicy } from '../src/index.js';
import { findTlsPolicyError as findPolicyError } from '../src/testing/index.js';
import { entraStandIn } from './helpers/entra.js';
import { recordEvents } from './helpers/events.js';
import { CA, lookup } from './helpers/fixtures.js';
import { withServers } from './helpers/tls-server.js';

const TENANT = '11111111-2222-3333-4444-555555555555';

const entra = entraStandIn({ tenant: TENANT, token: 'eyJ0eXAi.test-token.sig' });

function confidentialClient(port: number, networkClient: ReturnType<typeof createMsalNetworkClient>): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId: '66666666-7777-8888-9999-000000000000',
      clientSecret: 'not-a-real-secret',
      authority: `https://login.microsoftonline.com:${port}/${TENANT}`,
      knownAuthorities: [`login.microsoftonline.com:${port}`],
    },
    system: { networkClient },
  });
}

describe('@azure/msal-node with createMsalNetworkClient', () => {
  it('gets a token from a TLS 1.3 Entra endpoint, and is refused by a TLS 1.1 one with zero bytes sent', async () => {
    // The handler learns its own port from the socket: the metadata must name it.
    const handler = (req: IncomingMessage, res: ServerResponse, body: string) => entra(req, res, body);
    await withServers([{ versions: ['TLSv1.3'], handler }, { versions: ['TLSv1.1'] }], async ([modern, legacy]) => {
      const policy = createTlsPolicy();
      const events = recordEvents(policy);
      const client = createMsalNetworkClient({ policy, connect: { ca: CA, lookup } });
      const result = await confidentialClient(modern!.port, client).acquireTokenByClientCredential({
        scopes: ['https://graph.microsoft.com/.default'],
      });
      assert.equal(result?.accessToken, 'eyJ0eXAi.test-token.sig');
      assert.ok(events.secure.length >= 1);
      const refused = await confidentialClient(legacy!.port, client)
        .acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(refused, 'MSAL must fail');
      assert.equal(legacy!.bytesReceived, 0);
      assert.ok(events.violations.some((v) => v.kind === 'legacy-server' && v.port === legacy!.port));
      await client.close();
    });
  });
});

describe('@microsoft/microsoft-graph-client with fetchOptions.dispatcher', () => {
  it('calls a TLS 1.3 Graph and is refused by a TLS 1.1 one (the refusal shows as a violation event)', async () => {
    const handler = (_req: IncomingMessage, res: ServerResponse): void => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ displayName: 'Adele Vance' }));
    };
    await withServers(
      [
        { versions: ['TLSv1.3'], handler },
        { versions: ['TLSv1.1'], handler },
      ],
      async ([modern, legacy]) => {
        const policy = createTlsPolicy();
        const events = recordEvents(policy);
        const dispatcher = createFetchDispatcher({ policy, connect: { ca: CA, lookup } });
        const graph = (port: number) =>
          Client.init({
            authProvider: (done) => done(null, 'test-token'),
            baseUrl: `https://graph.microsoft.com:${port}/`,
            // Graph's FetchOptions type predates `dispatcher`; Node's fetch takes it all the same.
            fetchOptions: { dispatcher } as object,
          });
        const me = (await graph(modern!.port).api('/me').get()) as { displayName: string };
        assert.equal(me.displayName, 'Adele Vance');
        const refused = await graph(legacy!.port)
          .api('/me')
          .get()
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        // GraphError flattens the fetch error (statusCode -1, code 'TypeError', body a string):
        // the policy's refusal is visible through its 'violation' event and log, not the error.
        assert.deepEqual([(refused as { statusCode?: number }).statusCode, (refused as { code?: string }).code], [-1, 'TypeError']);
        assert.equal(findPolicyError(refused), undefined);
        assert.deepEqual(
          events.violations.map((v) => [v.kind, v.port]),
          [['legacy-server', legacy!.port]],
        );
        assert.equal(legacy!.bytesReceived, 0);
        await dispatcher.close();
      },
    );
  });
});
