import assert from 'node:assert/strict';
import * as https from 'node:https';
import { after, before, describe, it } from 'node:test';
import axios from 'axios';
import got from 'got';
import nodeFetch from 'node-fetch';
import { request as undiciRequest } from 'undici';
import { createFetchDispatcher, createHttpsAgent, createTlsPolicy, type SecureConnectionEvent } from '../src/index.js';
import { expectNegotiated, startTlsServer, TESTING_CA, type TestTlsServer } from '../src/testing/index.js';

// expectNegotiated with what each client the docs cover hands back: its response where the
// socket is reachable, the policy's 'secure' event where the client keeps it private.
let server: TestTlsServer;
before(async () => {
  server = await startTlsServer({ versions: ['TLSv1.2'] });
});
after(() => server.close());

/** A policy agent whose policy records its 'secure' events. */
function setup(): { agent: https.Agent; events: SecureConnectionEvent[]; close(): void } {
  const policy = createTlsPolicy();
  const events: SecureConnectionEvent[] = [];
  policy.on('secure', (e) => events.push(e));
  const agent = createHttpsAgent({ policy, ca: TESTING_CA, lookup: server.lookup });
  return { agent, events, close: () => agent.destroy() };
}

describe('expectNegotiated, per client', () => {
  it('node:https: the response (res.socket), and the wrong version fails', async () => {
    const { agent, close } = setup();
    try {
      const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
        https.get(server.url('/'), { agent }, resolve).on('error', reject);
      });
      expectNegotiated(res, 'TLSv1.2');
      assert.throws(() => expectNegotiated(res, 'TLSv1.3'), /expected TLSv1\.3 to be negotiated, got TLSv1\.2/u);
      res.resume();
    } finally {
      close();
    }
  });

  it('axios: the response (res.request.socket)', async () => {
    const { agent, close } = setup();
    try {
      const res = await axios.get(server.url('/'), { httpsAgent: agent, proxy: false });
      expectNegotiated(res, 'TLSv1.2');
    } finally {
      close();
    }
  });

  it('got: the response (res.socket)', async () => {
    const { agent, close } = setup();
    try {
      const res = await got(server.url('/'), { agent: { https: agent } });
      expectNegotiated(res, 'TLSv1.2');
    } finally {
      close();
    }
  });

  it("node-fetch: no socket on the response, so the policy's 'secure' event", async () => {
    const { agent, events, close } = setup();
    try {
      const res = await nodeFetch(server.url('/'), { agent });
      await res.text();
      assert.throws(() => expectNegotiated(res as never, 'TLSv1.2'), /'secure' event \(fetch, undici request, node-fetch/u);
      expectNegotiated(events[0] as SecureConnectionEvent, 'TLSv1.2');
    } finally {
      close();
    }
  });

  it("fetch and undici's request: the policy's 'secure' event", async () => {
    const policy = createTlsPolicy();
    const events: SecureConnectionEvent[] = [];
    policy.on('secure', (e) => events.push(e));
    const dispatcher = createFetchDispatcher({ policy, connect: { ca: TESTING_CA, lookup: server.lookup } });
    try {
      await (await fetch(server.url('/'), { dispatcher } as RequestInit)).text();
      // The dispatcher's declared type is undici-types' Dispatcher, not undici 7's own class: a
      // known typing gap of the package (issue "Packaging, types ..."), not of the runtime.
      const { body } = await undiciRequest(server.url('/'), { dispatcher: dispatcher as never });
      await body.text();
      assert.ok(events.length >= 1);
      for (const event of events) expectNegotiated(event, 'TLSv1.2');
    } finally {
      await dispatcher.close();
    }
  });
});
