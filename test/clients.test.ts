import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import axios from 'axios';
import got from 'got';
import needle from 'needle';
import nodeFetch from 'node-fetch';
import superagent from 'superagent';
import { createFetchDispatcher, createHttpsAgent, createTlsPolicy, type TlsPolicy } from '../src/index.js';
import { findTlsPolicyError as findPolicyError } from '../src/testing/index.js';
import { recordEvents } from './helpers/events.js';
import { CA, lookup } from './helpers/fixtures.js';
import { withServers, type TestServer } from './helpers/tls-server.js';

type Get = (url: string, policy: TlsPolicy) => Promise<string>;

// Each client as its docs page shows it: the policy agent (or dispatcher) handed over the
// client's own way. The test CA and loopback lookup travel in the agent's options.
const agentFor = (policy: TlsPolicy) => createHttpsAgent({ policy, ca: CA, lookup });
const CLIENTS: Array<[string, Get]> = [
  [
    'axios (httpsAgent)',
    async (url, policy) => (await axios.get<string>(url, { httpsAgent: agentFor(policy), proxy: false, responseType: 'text' })).data,
  ],
  [
    "axios (adapter: 'fetch', fetchOptions.dispatcher)",
    async (url, policy) =>
      (
        await axios.get<string>(url, {
          adapter: 'fetch',
          fetchOptions: { dispatcher: createFetchDispatcher({ policy, connect: { ca: CA, lookup } }) } as never,
          responseType: 'text',
        })
      ).data,
  ],
  ['got (agent.https)', async (url, policy) => got(url, { agent: { https: agentFor(policy) }, retry: { limit: 0 } }).text()],
  // node-fetch v3 keeps no `cause`: its FetchError copies the code (`type: 'system'`).
  ['node-fetch v3 (agent)', async (url, policy) => (await nodeFetch(url, { agent: agentFor(policy) })).text()],
  ['superagent (.agent())', async (url, policy) => (await superagent.get(url).agent(agentFor(policy)).buffer(true)).text],
  [
    'needle (agent, with rejectUnauthorized: false written into the agent)',
    async (url, policy) => {
      const res = await needle('get', url, null, { agent: agentFor(policy), rejectUnauthorized: false, parse: false });
      return String(res.body);
    },
  ],
];

async function outcome(get: Get, url: string, policy: TlsPolicy): Promise<{ body?: string; error?: unknown }> {
  try {
    return { body: await get(url, policy) };
  } catch (error) {
    return { error };
  }
}

describe('popular clients with the policy', () => {
  for (const [name, get] of CLIENTS) {
    it(`${name}: refuses TLS 1.1 (ERR_TLS_POLICY_VERSION, zero bytes), serves TLS 1.3`, async () => {
      await withServers([{ versions: ['TLSv1.1'] }, { versions: ['TLSv1.3'] }], async ([legacy, modern]: TestServer[]) => {
        const policy = createTlsPolicy();
        const events = recordEvents(policy);
        const refused = await outcome(get, `https://graph.microsoft.com:${legacy!.port}/v1.0/me`, policy);
        const code =
          findPolicyError(refused.error)?.code ?? (name.startsWith('node-fetch') ? (refused.error as { code?: string }).code : undefined);
        assert.equal(code, 'ERR_TLS_POLICY_VERSION', `expected the policy's refusal in ${String(refused.error ?? refused.body)}`);
        assert.equal(legacy!.bytesReceived, 0);
        assert.ok(events.violations.some((v) => v.kind === 'legacy-server' && v.action === 'blocked'));
        const served = await outcome(get, `https://graph.microsoft.com:${modern!.port}/v1.0/me`, policy);
        assert.equal(served.body, 'ok TLSv1.3', String(served.error));
      });
    });
  }
});
