import assert from 'node:assert/strict';
import * as https from 'node:https';
import type * as tls from 'node:tls';
// node:tls's own exports object: the only place a process-wide default can be changed at run time.
import tlsExports from 'node:tls';
import { describe, it } from 'node:test';
import {
  createFetchDispatcher,
  createHttpsAgent,
  createTlsPolicy,
  installTlsPolicy,
  type PolicyViolation,
  type TlsPolicy,
} from '../src/index.js';
import { startDowngradeProxy, startTlsServer, TESTING_CA, type TestTlsServer } from '../src/testing/index.js';
import { lookup } from './helpers/fixtures.js';

// Two report-mode classes. Report mode must report what enforce mode would block, and nothing
// else: a false alarm on every resumed connection buries the real ones, and a different
// reading of the same attack in the two modes makes a report-mode rollout mislead.

const TOKEN = 'Bearer report-mode-test-token';

const networkViolations = (list: PolicyViolation[]) => list.filter((v) => v.kind !== 'weak-runtime');

function record(policy: TlsPolicy): PolicyViolation[] {
  const seen: PolicyViolation[] = [];
  policy.on('violation', (v) => seen.push(v));
  return seen;
}

interface Served {
  body: string;
  resumed: boolean;
  /** policy.verifySocket on the live socket, when a policy was given to judge it. */
  verified?: ReturnType<TlsPolicy['verifySocket']>;
}

function get(server: TestTlsServer, agent: https.Agent | undefined, judge?: TlsPolicy): Promise<Served> {
  return new Promise((resolve, reject) => {
    https
      .get(
        {
          host: 'graph.microsoft.com',
          port: server.port,
          path: '/v1.0/me',
          agent,
          lookup,
          ca: TESTING_CA,
          headers: { authorization: TOKEN },
        },
        (res) => {
          const socket = res.socket as tls.TLSSocket;
          const resumed = socket.isSessionReused();
          const verified = judge?.verifySocket(socket);
          let body = '';
          res.on('data', (c: Buffer) => (body += c));
          res.on('end', () => resolve({ body, resumed, ...(verified === undefined ? {} : { verified }) }));
        },
      )
      .on('error', reject);
  });
}

async function fetchText(url: string, dispatcher: unknown): Promise<string> {
  // Connection: close, so the next request makes a new (resumed) TLS connection.
  const res = await fetch(url, { dispatcher, headers: { authorization: TOKEN, connection: 'close' } } as RequestInit);
  return res.text();
}

for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
  describe(`security: report mode on healthy resumed ${version} connections`, () => {
    // On a resumed session the client gets no certificate (getPeerCertificate() is {}), so a
    // name check run on it fails although Node verified the name when the session was made.
    it('https agent (keepAlive off): no unverified-peer violation on the resumed requests', async () => {
      const server = await startTlsServer({ versions: [version] });
      const policy = createTlsPolicy({ mode: 'report' });
      const violations = record(policy);
      const agent = createHttpsAgent({ policy, keepAlive: false });
      try {
        const served = [await get(server, agent), await get(server, agent), await get(server, agent)];
        assert.deepEqual(
          served.map((s) => s.body),
          [`ok ${version}`, `ok ${version}`, `ok ${version}`],
        );
        assert.ok(
          served.slice(1).every((s) => s.resumed),
          'the later requests did resume the session (the setup is real)',
        );
        assert.deepEqual(
          networkViolations(violations).map((v) => [v.kind, v.action, v.nodeCode]),
          [],
        );
      } finally {
        agent.destroy();
        await server.close();
      }
    });

    it('fetch dispatcher: no violation on the resumed connections', async () => {
      const server = await startTlsServer({ versions: [version] });
      const policy = createTlsPolicy({ mode: 'report' });
      const violations = record(policy);
      const dispatcher = createFetchDispatcher({ policy, connect: { lookup, ca: TESTING_CA } });
      try {
        for (let i = 0; i < 3; i++) assert.equal(await fetchText(server.url('/v1.0/me'), dispatcher), `ok ${version}`);
        assert.ok(server.connections >= 2, 'more than one connection was made (so one was resumed)');
        assert.deepEqual(
          networkViolations(violations).map((v) => [v.kind, v.action, v.nodeCode]),
          [],
        );
      } finally {
        await dispatcher.close();
        await server.close();
      }
    });

    it('installed policy, a plain https.Agent: no violation on the resumed requests', async () => {
      const server = await startTlsServer({ versions: [version] });
      const policy = createTlsPolicy({ mode: 'report' });
      const violations = record(policy);
      const uninstall = installTlsPolicy(policy);
      const agent = new https.Agent({ keepAlive: false });
      try {
        const served = [await get(server, agent), await get(server, agent)];
        assert.ok(served[1]?.resumed, 'the second request resumed the session (the setup is real)');
        assert.deepEqual(
          networkViolations(violations).map((v) => [v.kind, v.action, v.nodeCode]),
          [],
        );
      } finally {
        uninstall();
        agent.destroy();
        await server.close();
      }
    });

    it('policy.verifySocket on a resumed socket is ok', async () => {
      const server = await startTlsServer({ versions: [version] });
      const judge = createTlsPolicy();
      const agent = new https.Agent({ keepAlive: false });
      try {
        const first = await get(server, agent, judge);
        assert.equal(first.verified?.ok, true, 'the full handshake verifies (the setup is real)');
        const second = await get(server, agent, judge);
        assert.ok(second.resumed, 'the second request resumed the session');
        assert.equal(
          second.verified?.ok,
          true,
          `verifySocket on the resumed socket: ${JSON.stringify(second.verified?.violations.map((v) => [v.kind, v.nodeCode]))}`,
        );
      } finally {
        agent.destroy();
        await server.close();
      }
    });
  });
}

describe('security: force-tls11 in enforce and report mode', () => {
  // The proxy forges a TLS 1.1 ClientHello; the origin also speaks TLS 1.3, so a client that
  // accepts TLS 1.1 finds the RFC 8446 downgrade sentinel in ServerHello.random
  // (ERR_SSL_INAPPROPRIATE_FALLBACK: 'downgrade-attack'), while a client with a TLS 1.2 floor
  // stops at the version first (ERR_SSL_UNSUPPORTED_PROTOCOL: 'legacy-server'). Enforce mode
  // hardens the client, report mode does not. With the client's own minimum at TLS 1.2 (Node's
  // default, the documented rollout) both modes read the attack the same. When something lowers
  // that minimum (the process default, a caller option), report mode's client sees the sentinel
  // and names the attack for what it is, while enforce mode's hardened client stops at the
  // version first: a failed handshake tells the client no more (getProtocol() names no version),
  // so the library cannot read enforce mode's failure as a downgrade. Both are acted on, and the
  // lowered minimum is reported on its own (docs/security.md, "Limits").
  type Extra = Pick<tls.ConnectionOptions, 'minVersion'>;
  type Client = (policy: TlsPolicy, url: string, lookup: https.RequestOptions['lookup'], extra: Extra) => Promise<unknown>;
  const getUrl = (url: string, agent: https.Agent | undefined, lk: https.RequestOptions['lookup'], extra: Extra) =>
    new Promise<string>((resolve, reject) => {
      https
        .get(url, { agent, lookup: lk, ca: TESTING_CA, headers: { authorization: TOKEN }, ...extra }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c));
          res.on('end', () => resolve(body));
        })
        .on('error', reject);
    });
  const CLIENTS: Record<string, Client> = {
    'the https agent': async (policy, url, lk, extra) => {
      const agent = createHttpsAgent({ policy, keepAlive: false });
      try {
        return await getUrl(url, agent, lk, extra);
      } finally {
        agent.destroy();
      }
    },
    'the fetch dispatcher': async (policy, url, lk, extra) => {
      const dispatcher = createFetchDispatcher({ policy, connect: { lookup: lk, ca: TESTING_CA, ...extra } });
      try {
        return await fetchText(url, dispatcher);
      } finally {
        await dispatcher.close();
      }
    },
    'the installed policy': async (policy, url, lk, extra) => {
      const uninstall = installTlsPolicy(policy);
      try {
        return await getUrl(url, new https.Agent({ keepAlive: false }), lk, extra);
      } finally {
        uninstall();
      }
    },
  };

  async function readingUnder(
    mode: 'enforce' | 'report',
    client: Client,
    extra: Extra,
  ): Promise<{ kinds: string[]; actions: string[]; attacked: number }> {
    const origin = await startTlsServer({ versions: ['TLSv1.1', 'TLSv1.2', 'TLSv1.3'] });
    const proxy = await startDowngradeProxy({ target: origin.port, attack: 'force-tls11' });
    try {
      const policy = createTlsPolicy({ mode });
      const violations = record(policy);
      await client(policy, `https://graph.microsoft.com:${proxy.port}/v1.0/me`, origin.lookup, extra).catch(() => undefined);
      // 'insecure-options' says what the caller asked for, not what the attack was.
      const network = networkViolations(violations).filter((v) => v.kind !== 'insecure-options');
      return { kinds: network.map((v) => v.kind).sort(), actions: network.map((v) => v.action ?? 'none'), attacked: proxy.attacked };
    } finally {
      await proxy.close();
      await origin.close();
    }
  }

  // OpenSSL 3.0 (Node.js 20) checks the TLS 1.3 sentinel before the client's own version
  // range; the OpenSSL 3.5 of Node.js 22 and later stops at the version first, as a hardened
  // client does, so there the two modes agree in every configuration.
  const lowered = process.versions.openssl.startsWith('3.0.') ? 'downgrade-attack' : 'legacy-server';
  const SETUPS: Array<[string, Extra, string | undefined, { enforce: string[]; report: string[] }]> = [
    ['default client options', {}, undefined, { enforce: ['legacy-server'], report: ['legacy-server'] }],
    [
      'the process default minimum lowered to TLSv1 (NODE_OPTIONS=--tls-min-v1.0)',
      {},
      'TLSv1',
      { enforce: ['legacy-server'], report: [lowered] },
    ],
    ['a caller asking for minVersion TLSv1', { minVersion: 'TLSv1' }, undefined, { enforce: ['legacy-server'], report: [lowered] }],
  ];
  for (const [setup, extra, processMin, expected] of SETUPS) {
    for (const [name, client] of Object.entries(CLIENTS)) {
      it(`${name}, ${setup}: ${JSON.stringify(expected.enforce)} blocked in enforce, ${JSON.stringify(expected.report)} reported in report`, async (t) => {
        if (processMin !== undefined) {
          const defaults = tlsExports as unknown as { DEFAULT_MIN_VERSION: string };
          const saved = defaults.DEFAULT_MIN_VERSION;
          t.after(() => (defaults.DEFAULT_MIN_VERSION = saved));
          defaults.DEFAULT_MIN_VERSION = processMin;
        }
        const enforce = await readingUnder('enforce', client, extra);
        const report = await readingUnder('report', client, extra);
        assert.equal(enforce.attacked, 1, 'the attack changed the enforce-mode handshake');
        assert.equal(report.attacked, 1, 'the attack changed the report-mode handshake');
        assert.deepEqual(enforce.kinds, expected.enforce, `enforce read ${JSON.stringify(enforce.kinds)}`);
        assert.deepEqual(report.kinds, expected.report, `report read ${JSON.stringify(report.kinds)}`);
        assert.ok(enforce.actions.every((a) => a === 'blocked'));
        assert.ok(report.actions.every((a) => a === 'reported'));
      });
    }
  }
});
