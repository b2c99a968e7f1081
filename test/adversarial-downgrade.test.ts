import assert from 'node:assert/strict';
import * as https from 'node:https';
import { describe, it } from 'node:test';
import {
  createFetchDispatcher,
  createHttpsAgent,
  createTlsPolicy,
  installTlsPolicy,
  type TlsPolicy,
  type TlsPolicyErrorCode,
} from '../src/index.js';
import { DOWNGRADE_ATTACKS, expectRefused, startDowngradeProxy, startTlsServer, type DowngradeAttack } from '../src/testing/index.js';

// Every attack of the downgrade proxy against every way the policy is applied. Each must be
// refused with the right code, the origin must receive zero application bytes, and the
// policy must emit exactly one violation for the attempt.
const EXPECTED: Record<DowngradeAttack, { code: TlsPolicyErrorCode; kind: string }> = {
  'strip-tls13': { code: 'ERR_TLS_POLICY_DOWNGRADE', kind: 'downgrade-attack' }, // RFC 8446 sentinel
  'fallback-scsv': { code: 'ERR_TLS_POLICY_DOWNGRADE', kind: 'downgrade-attack' }, // RFC 7507 alert
  'tamper-server-hello': { code: 'ERR_TLS_POLICY_DOWNGRADE', kind: 'downgrade-attack' }, // transcript
  // The server answers the forged TLS 1.1 hello with TLS 1.1, below the floor: the client's
  // reading is "a version below the floor", which is what the connection would have been.
  'force-tls11': { code: 'ERR_TLS_POLICY_VERSION', kind: 'legacy-server' },
};

type Client = (policy: TlsPolicy, url: string, lookup: https.RequestOptions['lookup'], ca: string) => Promise<unknown>;
const get = (url: string, options: https.RequestOptions) =>
  new Promise<string>((resolve, reject) => {
    https
      .get(url, { ...options, headers: { authorization: 'Bearer adversarial-secret' } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });

const CLIENTS: Array<[string, Client]> = [
  ['the https agent', (policy, url, lookup, ca) => get(url, { agent: createHttpsAgent({ policy, keepAlive: false }), lookup, ca })],
  [
    'the fetch dispatcher',
    async (policy, url, lookup, ca) => {
      const dispatcher = createFetchDispatcher({ policy, connect: { lookup, ca } });
      try {
        return await fetch(url, { dispatcher, headers: { authorization: 'Bearer adversarial-secret' } } as RequestInit);
      } finally {
        await dispatcher.close();
      }
    },
  ],
  [
    'the installed policy (a plain https.Agent)',
    async (policy, url, lookup, ca) => {
      const uninstall = installTlsPolicy(policy);
      try {
        return await get(url, { agent: new https.Agent(), lookup, ca });
      } finally {
        uninstall();
      }
    },
  ],
];

describe('adversarial: on-path downgrade attacks', () => {
  for (const attack of DOWNGRADE_ATTACKS) {
    for (const [clientName, client] of CLIENTS) {
      it(`${attack} against ${clientName}: ${EXPECTED[attack].code}, zero bytes, one violation`, async () => {
        // A modern origin that also accepts TLS 1.1, so that the forged 1.1 hello is answered.
        const origin = await startTlsServer({ versions: ['TLSv1.1', 'TLSv1.2', 'TLSv1.3'] });
        const proxy = await startDowngradeProxy({ target: origin.port, attack });
        try {
          const policy = createTlsPolicy();
          const violations: string[] = [];
          policy.on('violation', (v) => {
            if (v.kind !== 'weak-runtime') violations.push(v.kind);
          });
          const url = `https://graph.microsoft.com:${proxy.port}/v1.0/me`;
          await expectRefused(client(policy, url, origin.lookup, origin.ca), EXPECTED[attack].code);
          assert.equal(proxy.attacked, 1, 'the attack really changed the handshake');
          assert.equal(origin.bytesReceived, 0);
          assert.deepEqual(violations, [EXPECTED[attack].kind]);
        } finally {
          await proxy.close();
          await origin.close();
        }
      });
    }
  }

  it('without an attack the same path works (the proxy itself is transparent)', async () => {
    const origin = await startTlsServer({ versions: ['TLSv1.1', 'TLSv1.2', 'TLSv1.3'] });
    const proxy = await startDowngradeProxy({ target: origin.port, attack: 'strip-tls13' });
    try {
      // A client capped at TLS 1.2 offers no TLS 1.3 to strip: nothing changes, it connects.
      const body = await get(`https://graph.microsoft.com:${proxy.port}/`, {
        agent: new https.Agent(),
        lookup: origin.lookup,
        ca: origin.ca,
        maxVersion: 'TLSv1.2',
      });
      assert.equal(body, 'ok TLSv1.2');
      assert.equal(proxy.attacked, 0);
    } finally {
      await proxy.close();
      await origin.close();
    }
  });
});
