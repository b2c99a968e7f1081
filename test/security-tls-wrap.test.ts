import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type * as tls from 'node:tls';
import { describe, it } from 'node:test';
import { createTlsPolicy, installTlsPolicy } from '../src/index.js';
import { findTlsPolicyError, startTlsServer, TESTING_CA } from '../src/testing/index.js';
import { recordEvents } from './helpers/events.js';
import { lookup } from './helpers/fixtures.js';

// Class: the install wraps `tls.connect` on node:tls's exports, but node:tls only re-exports
// `connect` from the internal-but-requirable `_tls_wrap` module, whose own export stays the
// original. Any code (or dependency) that calls require('_tls_wrap').connect skips the policy.

const TOKEN = 'Bearer tls-wrap-test-token';
type Connect = (options: tls.ConnectionOptions, callback?: () => void) => tls.TLSSocket;

describe('security: require("_tls_wrap").connect under install', () => {
  it('a TLS 1.0 connection to an in-scope name is refused, zero bytes', async () => {
    const tlsWrap = createRequire(import.meta.url)('_tls_wrap') as { connect: Connect };
    const server = await startTlsServer({ versions: ['TLSv1'] });
    const policy = createTlsPolicy();
    const events = recordEvents(policy);
    const uninstall = installTlsPolicy(policy);
    try {
      const outcome = await new Promise<{ connected?: string; error?: unknown }>((resolve) => {
        const socket = tlsWrap.connect(
          { host: 'graph.microsoft.com', port: server.port, lookup, ca: TESTING_CA, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' },
          () => {
            const protocol = socket.getProtocol() ?? 'unknown';
            socket.end(`GET /v1.0/me HTTP/1.1\r\nHost: graph.microsoft.com\r\nAuthorization: ${TOKEN}\r\nConnection: close\r\n\r\n`);
            socket.resume();
            socket.on('close', () => resolve({ connected: protocol }));
          },
        );
        socket.on('error', (error) => resolve({ error }));
      });
      assert.equal(outcome.connected, undefined, `connected over ${outcome.connected} and sent ${server.bytesReceived} application bytes`);
      assert.equal(findTlsPolicyError(outcome.error)?.code, 'ERR_TLS_POLICY_VERSION', String(outcome.error));
      assert.equal(server.bytesReceived, 0);
      assert.ok(events.violations.some((v) => v.kind === 'legacy-server' && v.action === 'blocked'));
    } finally {
      uninstall();
      await server.close();
    }
  });
});
