import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XhrApi } from '@ewsjs/xhr';
import { ConfigurationApi, ExchangeService, ExchangeVersion, Folder, OAuthCredentials, Uri, WellKnownFolderName } from 'ews-javascript-api';
import { createHttpsAgent, createTlsPolicy } from '../src/index.js';
import { recordEvents } from './helpers/events.js';
import { CA, lookup } from './helpers/fixtures.js';
import { withServers } from './helpers/tls-server.js';

// ews-javascript-api sends through @ewsjs/xhr, which is axios inside: its constructor options are
// axios request options, so the policy agent goes in `httpsAgent` (and `proxy: false` keeps
// axios's own proxy support from replacing it).
function ewsService(port: number, agent: ReturnType<typeof createHttpsAgent>): ExchangeService {
  ConfigurationApi.ConfigureXHR(new XhrApi({ httpsAgent: agent, proxy: false }));
  const service = new ExchangeService(ExchangeVersion.Exchange2016);
  service.Credentials = new OAuthCredentials('eyJ0eXAi.ews-token.sig');
  service.Url = new Uri(`https://outlook.office365.com:${port}/EWS/Exchange.asmx`);
  return service;
}

describe('EWS (ews-javascript-api with @ewsjs/xhr)', () => {
  it('refuses a TLS 1.1 Exchange endpoint (zero bytes, one violation) and reaches a TLS 1.3 one', async () => {
    await withServers([{ versions: ['TLSv1.1'] }, { versions: ['TLSv1.3'] }], async ([legacy, modern]) => {
      const policy = createTlsPolicy();
      const events = recordEvents(policy);
      const agent = createHttpsAgent({ policy, ca: CA, lookup });
      const refused = await Folder.Bind(ewsService(legacy!.port, agent), WellKnownFolderName.Inbox).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(refused, 'the EWS call must fail');
      assert.equal(legacy!.bytesReceived, 0);
      assert.deepEqual(
        events.violations.map((v) => [v.kind, v.host, v.port]),
        [['legacy-server', 'outlook.office365.com', legacy!.port]],
      );
      // The stand-in server is not Exchange, so the call fails on its answer; what matters is
      // that the SOAP request did reach it, over TLS 1.3.
      await Folder.Bind(ewsService(modern!.port, agent), WellKnownFolderName.Inbox).catch(() => undefined);
      assert.deepEqual(modern!.protocols, ['TLSv1.3']);
      assert.ok(modern!.bytesReceived > 0);
      agent.destroy();
    });
  });
});
