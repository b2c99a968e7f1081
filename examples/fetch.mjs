// Node's built-in fetch with the policy dispatcher. Run: npm run build && node examples/fetch.mjs
import { createFetchDispatcher, createTlsPolicy } from 'm365-tls-policy';
import { ca, lookup, tryLegacyAndModern } from './local-m365.mjs';

const policy = createTlsPolicy();
const dispatcher = createFetchDispatcher({ policy, connect: { ca, lookup } });
await tryLegacyAndModern('fetch', policy, async (port) => {
  const res = await fetch(`https://graph.microsoft.com:${port}/v1.0/me`, { dispatcher });
  return (await res.json()).protocol;
});
await dispatcher.close();
