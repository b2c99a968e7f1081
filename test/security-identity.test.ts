import assert from 'node:assert/strict';
import * as https from 'node:https';
import { after, before, describe, it } from 'node:test';
import * as undiciModule from 'undici';
import { Agent as UndiciAgent } from 'undici';
import {
  checkTlsPolicy,
  createFetchDispatcher,
  createHttpsAgent,
  createTlsPolicy,
  installTlsPolicy,
  type TlsPolicy,
  type TlsPolicyErrorCode,
} from '../src/index.js';
import { expectRefused, startTlsServer, type TestTlsServer } from '../src/testing/index.js';
import { recordEvents } from './helpers/events.js';
import { lookup } from './helpers/fixtures.js';
import { rawRequest } from './helpers/raw-request.js';

// Class: the identity a connection is verified against follows `servername` (or the Host
// header, from which Node's agent and undici derive SNI) instead of the host the caller
// dialled. The peer below holds a perfectly valid certificate, but for example.test (the
// kit's 'other' leaf: example.test, *.example.test, localhost and loopback IPs, no Microsoft
// 365 name). A client that asked for graph.microsoft.com must never hand it the token.

const TOKEN = 'Bearer identity-test-token';
const ATTACKER_NAME = 'example.test';

let impostor: TestTlsServer;
before(async () => {
  impostor = await startTlsServer({ hostnames: [ATTACKER_NAME], certificate: 'other' });
});
after(() => impostor.close());

/** The code a fixed policy must refuse with: a name mismatch, or the option itself when refusing. */
function expectedCode(insecureOptions: 'override' | 'refuse'): TlsPolicyErrorCode {
  return insecureOptions === 'refuse' ? 'ERR_TLS_POLICY_INSECURE_OPTIONS' : 'ERR_TLS_POLICY_UNVERIFIED';
}

function get(options: https.RequestOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(
        {
          host: 'graph.microsoft.com',
          port: impostor.port,
          path: '/v1.0/me',
          lookup,
          ca: impostor.ca,
          ...options,
          headers: { authorization: TOKEN, ...options.headers },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c));
          res.on('end', () => resolve(body));
        },
      )
      .on('error', reject);
  });
}

async function fetchVia(dispatcher: unknown, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`https://graph.microsoft.com:${impostor.port}/v1.0/me`, {
    dispatcher,
    headers: { authorization: TOKEN, ...headers },
  } as RequestInit);
  return res.text();
}

/** Runs one attempt against the impostor and checks what a fixed policy must do about it. */
async function attack(
  policy: TlsPolicy,
  code: TlsPolicyErrorCode | readonly TlsPolicyErrorCode[],
  run: () => Promise<unknown>,
): Promise<void> {
  const events = recordEvents(policy);
  const bytesBefore = impostor.bytesReceived;
  const requestsBefore = impostor.requests.length;
  const error = await expectRefused(run()).catch((failure: unknown) => {
    // Say what the impostor got: that is the bypass.
    throw new assert.AssertionError({
      message: `${(failure as Error).message}; the impostor received ${impostor.bytesReceived - bytesBefore} application bytes in ${impostor.requests.length - requestsBefore} request(s)`,
    });
  });
  const codes = typeof code === 'string' ? [code] : code;
  assert.ok(codes.includes(error.code), `refused with ${error.code}, expected ${codes.join(' or ')}`);
  const blocked = events.violations.filter((v) => v.kind !== 'weak-runtime' && v.action === 'blocked');
  assert.ok(
    blocked.length > 0,
    `a blocking violation is emitted (got ${JSON.stringify(events.violations.map((v) => [v.kind, v.action]))})`,
  );
  assert.ok(
    blocked.some((v) => v.code === error.code),
    'the violation matches the error',
  );
  assert.equal(impostor.bytesReceived - bytesBefore, 0, 'the impostor received no application byte (no token)');
  assert.equal(impostor.requests.length - requestsBefore, 0);
}

describe('security: identity follows servername', () => {
  for (const insecureOptions of ['override', 'refuse'] as const) {
    it(`https agent, request servername (${insecureOptions})`, async () => {
      const policy = createTlsPolicy({ insecureOptions });
      const agent = createHttpsAgent({ policy, keepAlive: false });
      try {
        await attack(policy, expectedCode(insecureOptions), () => get({ agent, servername: ATTACKER_NAME }));
      } finally {
        agent.destroy();
      }
    });

    it(`https agent, agent-level servername (${insecureOptions})`, async () => {
      const policy = createTlsPolicy({ insecureOptions });
      const agent = createHttpsAgent({ policy, keepAlive: false, servername: ATTACKER_NAME });
      try {
        await attack(policy, expectedCode(insecureOptions), () => get({ agent }));
      } finally {
        agent.destroy();
      }
    });

    it(`fetch dispatcher, connect.servername (${insecureOptions})`, async () => {
      const policy = createTlsPolicy({ insecureOptions });
      const dispatcher = createFetchDispatcher({ policy, connect: { lookup, ca: impostor.ca, servername: ATTACKER_NAME } });
      try {
        await attack(policy, expectedCode(insecureOptions), () => fetchVia(dispatcher));
      } finally {
        await dispatcher.close();
      }
    });

    it(`policy.tlsConnect, servername (${insecureOptions})`, async () => {
      const policy = createTlsPolicy({ insecureOptions });
      await attack(policy, expectedCode(insecureOptions), () =>
        rawRequest(TOKEN, (cb) =>
          policy.tlsConnect({ host: 'graph.microsoft.com', port: impostor.port, lookup, ca: impostor.ca, servername: ATTACKER_NAME }, cb),
        ),
      );
    });

    it(`installed policy, a plain https.Agent with servername (${insecureOptions})`, async () => {
      const policy = createTlsPolicy({ insecureOptions });
      const uninstall = installTlsPolicy(policy);
      const agent = new https.Agent({ keepAlive: false });
      try {
        await attack(policy, expectedCode(insecureOptions), () => get({ agent, servername: ATTACKER_NAME }));
      } finally {
        uninstall();
        agent.destroy();
      }
    });

    it(`installed policy, a plain undici Agent with connect.servername (${insecureOptions})`, async () => {
      const policy = createTlsPolicy({ insecureOptions });
      const uninstall = installTlsPolicy(policy);
      const dispatcher = new UndiciAgent({ connect: { lookup, ca: impostor.ca, servername: ATTACKER_NAME } });
      try {
        await attack(policy, expectedCode(insecureOptions), () => fetchVia(dispatcher));
      } finally {
        uninstall();
        await dispatcher.close();
      }
    });
  }
});

describe('security: identity follows the Host header', () => {
  // Node's https agent sets SNI (and so the name Node verifies) from the Host header when no
  // servername is given; undici's dispatcher.request does the same. Whether a fix ignores the
  // header for identity (then the name check fails: UNVERIFIED) or refuses it outright
  // (INSECURE_OPTIONS) is its choice; either way nothing may reach the impostor.
  const EITHER: readonly TlsPolicyErrorCode[] = ['ERR_TLS_POLICY_UNVERIFIED', 'ERR_TLS_POLICY_INSECURE_OPTIONS'];
  const HOST_HEADER = { host: ATTACKER_NAME };

  it('https agent', async () => {
    const policy = createTlsPolicy();
    const agent = createHttpsAgent({ policy, keepAlive: false });
    try {
      await attack(policy, EITHER, () => get({ agent, headers: HOST_HEADER }));
    } finally {
      agent.destroy();
    }
  });

  it('fetch dispatcher through dispatcher.request (undici derives SNI from Host)', async () => {
    const policy = createTlsPolicy();
    // Passing the undici module types the dispatcher as that undici's own Agent (request, stream, ...).
    const dispatcher = createFetchDispatcher({ policy, connect: { lookup, ca: impostor.ca }, undici: undiciModule });
    try {
      await attack(policy, EITHER, async () => {
        const res = await dispatcher.request({
          origin: `https://graph.microsoft.com:${impostor.port}`,
          path: '/v1.0/me',
          method: 'GET',
          headers: { authorization: TOKEN, ...HOST_HEADER },
        });
        return res.body.text();
      });
    } finally {
      await dispatcher.close();
    }
  });

  it('fetch dispatcher through fetch (fetch keeps the URL host for SNI: a regression guard)', async () => {
    const policy = createTlsPolicy();
    const dispatcher = createFetchDispatcher({ policy, connect: { lookup, ca: impostor.ca } });
    try {
      await attack(policy, EITHER, () => fetchVia(dispatcher, HOST_HEADER));
    } finally {
      await dispatcher.close();
    }
  });

  it('installed policy, a plain https.Agent', async () => {
    const policy = createTlsPolicy();
    const uninstall = installTlsPolicy(policy);
    const agent = new https.Agent({ keepAlive: false });
    try {
      await attack(policy, EITHER, () => get({ agent, headers: HOST_HEADER }));
    } finally {
      uninstall();
      agent.destroy();
    }
  });

  it('installed policy, the global agent (no agent option at all)', async () => {
    const policy = createTlsPolicy();
    const uninstall = installTlsPolicy(policy);
    try {
      await attack(policy, EITHER, () => get({ headers: HOST_HEADER }));
    } finally {
      uninstall();
    }
  });
});

describe('security: the checker sees the identity override', () => {
  it('checkTlsPolicy({ host: graph.microsoft.com, servername: example.test }) is not ok', () => {
    const report = checkTlsPolicy({ host: 'graph.microsoft.com', servername: ATTACKER_NAME });
    assert.equal(report.inScope, true);
    assert.equal(report.ok, false, 'a servername that is not the host is flagged');
  });

  it('checkTlsPolicy of request options with a Host header naming another host is not ok', () => {
    const report = checkTlsPolicy({ host: 'graph.microsoft.com', headers: { host: ATTACKER_NAME } } as https.RequestOptions);
    assert.equal(report.inScope, true);
    assert.equal(report.ok, false, 'the Host header becomes the SNI and the verified name');
  });

  it('a policy agent with servername in its options passes, as with any option it overrides (its requests are verified for the in-scope name: above)', () => {
    const agent = createHttpsAgent({ servername: ATTACKER_NAME });
    try {
      assert.equal(checkTlsPolicy(agent).ok, true);
      // The same options on a plain agent would send the token to the other name: not ok.
      const plain = new https.Agent({ servername: ATTACKER_NAME, host: 'graph.microsoft.com' } as https.AgentOptions);
      assert.equal(checkTlsPolicy(plain).ok, false);
      plain.destroy();
    } finally {
      agent.destroy();
    }
  });
});
