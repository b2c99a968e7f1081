// axios with the policy agent, and a unit-test style assertion. Run: npm run example:axios
import axios from 'axios';
import { assertTlsPolicy, createHttpsAgent, isTlsPolicyError } from 'm365-tls-policy';
import { ca, lookup, startLocalM365 } from './local-m365.mjs';

// `proxy: false`: axios's own proxy support would bypass httpsAgent when HTTPS_PROXY is set.
const client = axios.create({ httpsAgent: createHttpsAgent({ ca, lookup }), proxy: false });
assertTlsPolicy(client.defaults.httpsAgent); // what a unit test would do: throws on a weak agent
console.log('assertTlsPolicy(client.defaults.httpsAgent): passed');

for (const [min, max] of [
  ['TLSv1.1', 'TLSv1.1'],
  ['TLSv1.3', 'TLSv1.3'],
]) {
  const server = await startLocalM365(min, max);
  try {
    const { data } = await client.get(`https://graph.microsoft.com:${server.port}/v1.0/me`);
    console.log(`${min}: allowed, ${data.displayName} over ${data.protocol}`);
  } catch (error) {
    // axios wraps the agent's error: the TlsPolicyError is the AxiosError's `cause`.
    const cause = error.cause;
    if (!isTlsPolicyError(cause)) throw error;
    console.log(`${min}: refused, ${cause.code} (axios code ${error.code})`);
  } finally {
    await server.close();
  }
}
client.defaults.httpsAgent.destroy();
