import assert from 'node:assert/strict';
import type * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import * as undici from 'undici';
import { checkTlsPolicy, createFetchDispatcher, createHttpsAgent, isPolicyAgent } from '../src/index.js';
import { startTlsServer, TESTING_CA, type TestTlsServer } from '../src/testing/index.js';

// Attack on the checker believing a policy marker only on clients this package made, still
// connecting through the method it gave them (engine/port.ts, checker.ts): check() must never
// pass a client whose request goes out over TLS 1.0 with the token.

const BEARER = 'Bearer eyJ0eXAiOiJKV1Qi.attack-today-secret';
const WEAK_TLS = { minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' } as const;

interface Outcome {
  /** The response body ('ok TLSv1') or the error code. */
  result: string;
}

function get(agent: http.Agent, server: TestTlsServer, extra: Record<string, unknown> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    let req: http.ClientRequest;
    try {
      req = https.get(
        {
          host: 'graph.microsoft.com',
          port: server.port,
          path: '/',
          agent,
          lookup: server.lookup,
          ca: TESTING_CA,
          headers: { authorization: BEARER },
          ...extra,
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ result: body }));
        },
      );
    } catch (error) {
      resolve({ result: `sync-throw:${(error as { code?: string }).code ?? (error as Error).message}` });
      return;
    }
    req.on('error', (e: Error & { code?: string }) => resolve({ result: e.code ?? e.message }));
  });
}

describe('attack 2: checkTlsPolicy(x).ok only for clients that really enforce the policy', () => {
  let legacy: TestTlsServer;
  before(async () => {
    legacy = await startTlsServer({ versions: ['TLSv1'] });
  });
  after(() => legacy.close());

  /**
   * Sends the token through `agent` to the TLS 1.0 server (the control: it really gets there),
   * then asserts that the check fails the agent and isPolicyAgent says no. Destroys the agent.
   */
  async function assertNotBelieved(what: string, agent: https.Agent, extra: Record<string, unknown> = {}): Promise<void> {
    try {
      const before = legacy.bytesReceived;
      const r = await get(agent, legacy, extra);
      const report = checkTlsPolicy(agent);
      assert.equal(r.result, 'ok TLSv1', 'control: this client really connects over TLS 1.0 (the test can fail)');
      assert.equal(
        report.ok,
        false,
        `BREAK: checkTlsPolicy(${what}).ok=${report.ok}, isPolicyAgent=${isPolicyAgent(agent)}, yet the request went out over ${r.result} (${legacy.bytesReceived - before} bytes incl. the Bearer token)`,
      );
      assert.equal(isPolicyAgent(agent), false);
    } finally {
      agent.destroy();
    }
  }

  it('control: a plain agent reaches the TLS 1.0 server (the test can fail) and the checker flags it', async () => {
    const plain = new https.Agent({ ...WEAK_TLS, ca: TESTING_CA });
    try {
      assert.equal(checkTlsPolicy(plain).ok, false);
      const before = legacy.bytesReceived;
      assert.equal((await get(plain, legacy)).result, 'ok TLSv1');
      assert.ok(legacy.bytesReceived > before);
    } finally {
      plain.destroy();
    }
  });

  it('a real policy agent whose options were weakened after creation still refuses TLS 1.0 (zero bytes)', async () => {
    const agent = createHttpsAgent({ ca: TESTING_CA });
    Object.assign(agent.options, WEAK_TLS, { maxVersion: 'TLSv1', secureProtocol: 'TLSv1_method' });
    try {
      const before = legacy.bytesReceived;
      const r = await get(agent, legacy, WEAK_TLS);
      assert.match(r.result, /^ERR_TLS_POLICY|ERR_SSL|EPROTO/u);
      assert.equal(legacy.bytesReceived, before, 'no request byte (no Bearer token) reached the TLS 1.0 server');
    } finally {
      agent.destroy();
    }
  });

  it('a Proxy around a real policy agent and Object.create(agent) are not believed', async () => {
    const agent = createHttpsAgent({ ca: TESTING_CA });
    try {
      const proxied = new Proxy(agent, {});
      assert.equal(isPolicyAgent(proxied), false);
      assert.equal(checkTlsPolicy(proxied).ok, false);
      const derived = Object.create(agent) as https.Agent;
      assert.equal(isPolicyAgent(derived), false);
      const before = legacy.bytesReceived;
      const r = await get(derived, legacy, WEAK_TLS);
      assert.notEqual(r.result, 'ok TLSv1');
      assert.equal(legacy.bytesReceived, before);
    } finally {
      agent.destroy();
    }
  });

  it('a real policy agent whose createConnection was replaced: check must not pass while it connects over TLS 1.0', async () => {
    const agent = createHttpsAgent({ ca: TESTING_CA });
    // Own property over the prototype's method: plain Node behaviour (tls.connect with the merged options).
    (agent as unknown as { createConnection: unknown }).createConnection = (
      https.Agent.prototype as unknown as { createConnection: unknown }
    ).createConnection;
    await assertNotBelieved('agent', agent, WEAK_TLS);
  });

  it('Object.setPrototypeOf(policyAgent, https.Agent.prototype): check must not pass while it connects over TLS 1.0', async () => {
    const agent = createHttpsAgent({ ca: TESTING_CA });
    Object.setPrototypeOf(agent, https.Agent.prototype);
    await assertNotBelieved('agent', agent, WEAK_TLS);
  });

  it('a subclass of PolicyAgent (reached through agent.constructor) that overrides createConnection: check must not pass', async () => {
    const real = createHttpsAgent({ ca: TESTING_CA });
    const PolicyAgent = real.constructor as new (...args: unknown[]) => https.Agent;
    class Sneaky extends PolicyAgent {
      override createConnection(options: tls.ConnectionOptions, _cb?: unknown): ReturnType<typeof tls.connect> {
        return tls.connect({ ...options, ...WEAK_TLS });
      }
    }
    const sneaky = new Sneaky({ ca: TESTING_CA }, real.policy, { proxy: false }, undefined);
    real.destroy();
    await assertNotBelieved('sneaky', sneaky);
  });

  it('createFetchDispatcher({ undici }) with an Agent constructor that returns a weak https.Agent: it must not be marked', async () => {
    const weak = new https.Agent({ ...WEAK_TLS, maxVersion: 'TLSv1', ca: TESTING_CA });
    assert.equal(checkTlsPolicy(weak).ok, false, 'control: judged weak before');
    const fakeUndici = {
      Agent: function Agent() {
        return weak;
      },
      buildConnector: undici.buildConnector,
    };
    try {
      createFetchDispatcher({ undici: fakeUndici as never });
    } catch {
      // refusing the module is a fine outcome
    }
    await assertNotBelieved('weak https.Agent', weak);
  });

  it('the same agents given inside request options: the check still fails them (merged options say nothing of their code)', async () => {
    const replaced = createHttpsAgent({ ca: TESTING_CA });
    (replaced as unknown as { createConnection: unknown }).createConnection = (o: tls.ConnectionOptions) =>
      tls.connect({ ...o, ...WEAK_TLS });
    const own = new https.Agent({ ca: TESTING_CA });
    (own as unknown as { createConnection: unknown }).createConnection = (o: tls.ConnectionOptions) => tls.connect({ ...o, ...WEAK_TLS });
    try {
      for (const [what, agent] of [
        ['a policy agent with a replaced createConnection', replaced],
        ['a plain agent with a createConnection of its own', own],
      ] as const) {
        const r = await get(agent, legacy);
        assert.equal(r.result, 'ok TLSv1', `control (${what}): it really connects over TLS 1.0`);
        const report = checkTlsPolicy({ host: 'graph.microsoft.com', port: legacy.port, agent });
        assert.equal(report.ok, false, `${what}, as the agent of request options`);
        assert.ok(
          report.violations.some((v) => v.options?.includes('policy') || v.options?.includes('createConnection')),
          what,
        );
      }
    } finally {
      replaced.destroy();
      own.destroy();
    }
  });

  it("an https agent connecting with http's createConnection (net: cleartext) fails the check", async () => {
    const agent = new https.Agent({ ca: TESTING_CA });
    (agent as unknown as { createConnection: unknown }).createConnection = net.createConnection;
    try {
      assert.equal(checkTlsPolicy(agent).ok, false);
      assert.deepEqual(checkTlsPolicy(agent).violations[0]?.options, ['createConnection']);
    } finally {
      agent.destroy();
    }
  });

  it('createFetchDispatcher({ undici }) whose Agent returns a weak https.Agent through a borrowed prototype: refused, never marked', async () => {
    const weak = new https.Agent({ ...WEAK_TLS, maxVersion: 'TLSv1', ca: TESTING_CA });
    function Agent(): https.Agent {
      return weak;
    }
    Agent.prototype = https.Agent.prototype; // so that `weak instanceof Agent` holds
    assert.throws(() => createFetchDispatcher({ undici: { Agent, buildConnector: undici.buildConnector } as never }), {
      code: 'ERR_TLS_POLICY_INVALID_OPTION',
    });
    try {
      const r = await get(weak, legacy);
      assert.equal(r.result, 'ok TLSv1', 'control: it really connects over TLS 1.0');
      assert.equal(checkTlsPolicy(weak).ok, false);
      assert.equal(isPolicyAgent(weak), false);
    } finally {
      weak.destroy();
    }
  });

  it('createFetchDispatcher({ undici }) with an Agent subclass that drops the policy connector: it must not be marked', {
    skip: "accepted limitation (docs/checker.md): a dispatcher made from an undici module the caller passes is trusted to use the connector it is given; the module is the caller's own code",
  }, async () => {
    class NoPolicyAgent extends undici.Agent {
      constructor(options: Record<string, unknown>) {
        super({ ...options, connect: { ...WEAK_TLS, maxVersion: 'TLSv1', ca: TESTING_CA, lookup: legacy.lookup } });
      }
    }
    let dispatcher: undici.Dispatcher | undefined;
    try {
      dispatcher = createFetchDispatcher({ undici: { ...undici, Agent: NoPolicyAgent } as never }) as unknown as undici.Dispatcher;
    } catch {
      return; // refused: holds
    }
    try {
      const before = legacy.bytesReceived;
      const r = await undici.fetch(`https://graph.microsoft.com:${legacy.port}/`, { dispatcher, headers: { authorization: BEARER } }).then(
        (res) => res.text(),
        (e: Error & { cause?: { code?: string } }) => e.cause?.code ?? e.message,
      );
      const report = checkTlsPolicy(dispatcher as never);
      assert.ok(
        !(report.ok && r === 'ok TLSv1'),
        `BREAK: checkTlsPolicy(dispatcher).ok=${report.ok}, yet fetch went out over ${r} (${legacy.bytesReceived - before} bytes incl. Bearer)`,
      );
    } finally {
      await dispatcher.close();
    }
  });
});
