import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Agent as UndiciAgent } from 'undici';
import { createTlsPolicy, installTlsPolicy, type PolicyViolation } from '../src/index.js';
import { findTlsPolicyError } from '../src/testing/index.js';
import { lookup } from './helpers/fixtures.js';

// Class: cleartext. The install covers tls.connect, so an `http:` request to an in-scope host
// never meets the policy: the bearer token crosses the network in the clear, with no violation.
// The fetch dispatcher already refuses `http:` for in-scope hosts; process-wide enforcement
// must do the same (enforce: refused before a byte is written; report: through, but reported).

const TOKEN = 'Bearer cleartext-test-token';

/** A plain HTTP server on 127.0.0.1 that counts every byte it receives. */
interface PlainServer {
  readonly port: number;
  readonly bytesReceived: number;
  readonly requests: number;
  close(): Promise<void>;
}

async function startPlainServer(): Promise<PlainServer> {
  const state = { bytesReceived: 0, requests: 0 };
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    state.requests += 1;
    req.resume();
    req.on('end', () => res.end('ok cleartext'));
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (c: Buffer) => (state.bytesReceived += c.length));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get bytesReceived() {
      return state.bytesReceived;
    },
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

let server: PlainServer;
before(async () => {
  server = await startPlainServer();
});
after(() => server.close());

interface Outcome {
  body?: string;
  error?: unknown;
}

function httpGet(agent?: http.Agent): Promise<Outcome> {
  return new Promise((resolve) => {
    http
      .get(
        `http://graph.microsoft.com:${server.port}/v1.0/me`,
        { lookup, headers: { authorization: TOKEN }, ...(agent === undefined ? {} : { agent }) },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c));
          res.on('end', () => resolve({ body }));
        },
      )
      .on('error', (error) => resolve({ error }));
  });
}

async function fetchHttp(dispatcher: unknown): Promise<Outcome> {
  try {
    const res = await fetch(`http://graph.microsoft.com:${server.port}/v1.0/me`, {
      dispatcher,
      headers: { authorization: TOKEN },
    } as RequestInit);
    return { body: await res.text() };
  } catch (error) {
    return { error };
  }
}

/** Each client, made fresh per test: how to send the request, and how to clean up after. */
const CLIENTS: Record<string, () => { run: () => Promise<Outcome>; close: () => Promise<void> }> = {
  'http.get with the global agent': () => ({ run: () => httpGet(), close: async () => {} }),
  'http.get with a plain http.Agent': () => {
    const agent = new http.Agent({ keepAlive: false });
    return { run: () => httpGet(agent), close: async () => agent.destroy() };
  },
  'fetch with an undici Agent whose connect.lookup maps to loopback': () => {
    const dispatcher = new UndiciAgent({ connect: { lookup } });
    return { run: () => fetchHttp(dispatcher), close: () => dispatcher.close() };
  },
};

describe('security: cleartext http: to an in-scope host under install', () => {
  for (const [name, make] of Object.entries(CLIENTS)) {
    it(`enforce: ${name} is refused with ERR_TLS_POLICY_INSECURE_OPTIONS, zero bytes`, async () => {
      const client = make();
      const policy = createTlsPolicy();
      const violations: PolicyViolation[] = [];
      policy.on('violation', (v) => violations.push(v));
      const uninstall = installTlsPolicy(policy);
      const before = { bytes: server.bytesReceived, requests: server.requests };
      try {
        const outcome = await client.run();
        assert.equal(
          outcome.body,
          undefined,
          `served in clear text: the server received ${server.bytesReceived - before.bytes} bytes, the bearer token among them`,
        );
        assert.equal(findTlsPolicyError(outcome.error)?.code, 'ERR_TLS_POLICY_INSECURE_OPTIONS', String(outcome.error));
        assert.equal(server.bytesReceived - before.bytes, 0);
        assert.equal(server.requests - before.requests, 0);
        assert.ok(
          violations.some((v) => v.kind === 'insecure-options' && v.action === 'blocked'),
          JSON.stringify(violations.map((v) => [v.kind, v.action])),
        );
      } finally {
        uninstall();
        await client.close();
      }
    });

    it(`report: ${name} goes through with an insecure-options violation, reported`, async () => {
      const client = make();
      const policy = createTlsPolicy({ mode: 'report' });
      const violations: PolicyViolation[] = [];
      policy.on('violation', (v) => violations.push(v));
      const uninstall = installTlsPolicy(policy);
      try {
        const outcome = await client.run();
        assert.equal(outcome.body, 'ok cleartext', String(outcome.error));
        assert.ok(
          violations.some((v) => v.kind === 'insecure-options' && v.action === 'reported' && v.host === 'graph.microsoft.com'),
          `a cleartext request to graph.microsoft.com is reported (got ${JSON.stringify(violations.map((v) => [v.kind, v.action, v.host]))})`,
        );
      } finally {
        uninstall();
        await client.close();
      }
    });
  }
});
