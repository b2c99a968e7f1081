// EWS (ews-javascript-api + @ewsjs/xhr) with the policy agent. Run: npm run build && node examples/ews.mjs
import { XhrApi } from '@ewsjs/xhr';
import ews from 'ews-javascript-api';
import { createHttpsAgent, createTlsPolicy } from 'm365-tls-policy';
import { ca, lookup, tryLegacyAndModern } from './local-m365.mjs';

const { ConfigurationApi, ExchangeService, ExchangeVersion, Folder, OAuthCredentials, Uri, WellKnownFolderName } = ews;
const policy = createTlsPolicy();
const agent = createHttpsAgent({ policy, ca, lookup });
ConfigurationApi.ConfigureXHR(new XhrApi({ httpsAgent: agent, proxy: false })); // proxy: false keeps axios from replacing the agent
let reached;
policy.on('secure', (e) => (reached = e.protocol));
await tryLegacyAndModern('EWS', policy, async (port) => {
  const service = new ExchangeService(ExchangeVersion.Exchange2016);
  service.Credentials = new OAuthCredentials('eyJ0eXAiOiJKV1QifQ.e30.example'); // a token in JWT shape (the library checks);
  service.Url = new Uri(`https://outlook.office365.com:${port}/EWS/Exchange.asmx`);
  reached = undefined;
  // The stand-in is not Exchange: the SOAP call fails on its answer, but only after the request
  // went out over a connection the policy accepted.
  await Folder.Bind(service, WellKnownFolderName.Inbox).catch((error) => {
    if (reached === undefined) throw error;
  });
  return `request sent over ${reached}`;
});
agent.destroy();
