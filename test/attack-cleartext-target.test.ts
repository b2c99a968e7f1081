import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createTlsPolicy, installTlsPolicy } from '../src/index.js';
import { findTlsPolicyError } from '../src/testing/index.js';
import { recordEvents } from './helpers/events.js';
import { lookup } from './helpers/fixtures.js';

// Attack: the install refuses cleartext `http:` to an in-scope host, but judges "the host" as
// the host the socket is opened to (ClientRequest#host, process/request-hooks.ts ->
// engine/pooled.ts judgeRequestSocket). A request FOR graph.microsoft.com sent to another
// socket host is not seen:
//  - through a plain HTTP forward proxy (absolute-form request line, what axios' `proxy`
//    option, HTTP_PROXY handling and proxy agents do for http: URLs), and
//  - to an address, with `Host: graph.microsoft.com` (the header the https side treats as the
//    identity, since Node and undici derive SNI from it).
// The bearer token crosses the network in clear text, and no violation is emitted.
// Closed: the request hooks pass every name a request is for (Host header, absolute-form target) to engine/pooled.ts.

const TOKEN = 'Bearer cleartext-target-token';

let server: http.Server;
let port = 0;
let bytes = 0;
const seen: { url: string | undefined; host: string | undefined; authorization: string | undefined }[] = [];
const sockets = new Set<Socket>();
before(async () => {
  server = http.createServer((req, res) => {
    seen.push({ url: req.url, host: req.headers.host, authorization: req.headers.authorization });
    req.resume();
    res.end('ok');
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('data', (c: Buffer) => (bytes += c.length));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function get(options: http.RequestOptions): Promise<{ status?: number; policyCode?: string | undefined }> {
  return new Promise((resolve) => {
    http
      .get({ ...options, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      })
      .on('error', (error) => resolve({ policyCode: findTlsPolicyError(error)?.code }));
  });
}

const CASES: Record<string, () => http.RequestOptions> = {
  'control: http://graph.microsoft.com directly': () => ({
    host: 'graph.microsoft.com',
    port,
    lookup,
    path: '/v1.0/me',
    headers: { authorization: TOKEN },
  }),
  'through a forward proxy: GET http://graph.microsoft.com/v1.0/me': () => ({
    host: '127.0.0.1',
    port,
    path: 'http://graph.microsoft.com/v1.0/me',
    headers: { host: 'graph.microsoft.com', authorization: TOKEN },
  }),
  'to an address with Host: graph.microsoft.com': () => ({
    host: '127.0.0.1',
    port,
    path: '/v1.0/me',
    headers: { host: 'graph.microsoft.com', authorization: TOKEN },
  }),
};

describe('attack: cleartext http: requests for graph.microsoft.com under install, by another socket host', () => {
  for (const [name, options] of Object.entries(CASES)) {
    it(name, async () => {
      const policy = createTlsPolicy();
      const events = recordEvents(policy);
      const uninstall = installTlsPolicy(policy);
      const bytesBefore = bytes;
      const requestsBefore = seen.length;
      try {
        const outcome = await get(options());
        const violations = events.violations.filter((v) => v.kind !== 'weak-runtime');
        assert.equal(
          bytes - bytesBefore,
          0,
          `${bytes - bytesBefore} cleartext bytes reached 127.0.0.1 (${JSON.stringify(outcome)}): ${JSON.stringify(seen.slice(requestsBefore))}; ` +
            `violations: ${JSON.stringify(violations.map((v) => [v.kind, v.action]))}`,
        );
        assert.equal(outcome.policyCode, 'ERR_TLS_POLICY_INSECURE_OPTIONS');
      } finally {
        uninstall();
      }
    });
  }
});
