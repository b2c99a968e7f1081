import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientSecretCredential } from '@azure/identity';
import { createHttpsAgent, createTlsPolicy } from '../src/index.js';
import { entraStandIn } from './helpers/entra.js';
import { recordEvents } from './helpers/events.js';
import { CA, lookup } from './helpers/fixtures.js';
import { withServers } from './helpers/tls-server.js';

const TENANT = '11111111-2222-3333-4444-555555555555';

const entra = entraStandIn({ tenant: TENANT, token: 'eyJ0eXAi.identity-token.sig' });

describe('@azure/identity with the policy agent (its `agent` client option)', () => {
  it('gets a token from a TLS 1.3 Entra endpoint, and is refused by a TLS 1.1 one with zero bytes sent', async () => {
    await withServers(
      [
        { versions: ['TLSv1.3'], handler: entra },
        { versions: ['TLSv1.1'], handler: entra },
      ],
      async ([modern, legacy]) => {
        const policy = createTlsPolicy();
        const events = recordEvents(policy);
        const agent = createHttpsAgent({ policy, ca: CA, lookup });
        const credential = (port: number) =>
          new ClientSecretCredential(TENANT, '66666666-7777-8888-9999-000000000000', 'not-a-real-secret', {
            authorityHost: `https://login.microsoftonline.com:${port}`,
            disableInstanceDiscovery: true,
            agent,
            retryOptions: { maxRetries: 0 },
          });
        const token = await credential(modern!.port).getToken('https://graph.microsoft.com/.default');
        assert.equal(token.token, 'eyJ0eXAi.identity-token.sig');
        assert.ok(events.secure.some((e) => e.port === modern!.port));
        const refused = await credential(legacy!.port)
          .getToken('https://graph.microsoft.com/.default')
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        assert.ok(refused instanceof Error);
        assert.equal(legacy!.bytesReceived, 0);
        assert.ok(events.violations.some((v) => v.kind === 'legacy-server' && v.port === legacy!.port));
        agent.destroy();
      },
    );
  });
});
