import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { describe, it } from 'node:test';
import { createTlsPolicy, installTlsPolicy } from '../src/index.js';
import { findTlsPolicyError, MICROSOFT_365_LEAF, TESTING_CA } from '../src/testing/index.js';
import { recordEvents } from './helpers/events.js';

// Class (smaller): tls.connect(path[, options][, callback]) is a documented form (a TLS
// service on a Unix socket, e.g. a local sidecar terminating for graph.microsoft.com). The
// install's argument parser takes any non-object first argument for a port, so under install
// this form throws ERR_SOCKET_BAD_PORT: an install breaks working code instead of judging it.

async function startUnixTlsServer(versions: {
  minVersion: tls.SecureVersion;
  maxVersion: tls.SecureVersion;
}): Promise<{ path: string; bytesReceived(): number; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'm365-tls-policy-unix-'));
  const path = join(dir, 'tls.sock');
  let bytes = 0;
  const server = tls.createServer({ ...MICROSOFT_365_LEAF, ...versions, ciphers: 'DEFAULT:@SECLEVEL=0' }, (socket) => {
    socket.on('data', (c: Buffer) => {
      bytes += c.length;
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
    });
    socket.on('error', () => {});
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    bytesReceived: () => bytes,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}

// Documented since Node 0.11 but missing from @types/node's overloads.
type ConnectByPath = (path: string, options: tls.ConnectionOptions, callback: () => void) => tls.TLSSocket;

/** tls.connect(path, options, cb) writing a request with a token; resolves with what happened. */
function connectByPath(path: string, options: tls.ConnectionOptions): Promise<{ protocol?: string; answer?: string; error?: unknown }> {
  return new Promise((resolve) => {
    let socket: tls.TLSSocket;
    try {
      socket = (tls.connect as unknown as ConnectByPath)(path, options, () => {
        const protocol = socket.getProtocol() ?? 'unknown';
        socket.write('GET /v1.0/me HTTP/1.1\r\nHost: graph.microsoft.com\r\nAuthorization: Bearer unix-test-token\r\n\r\n');
        let answer = '';
        socket.on('data', (c: Buffer) => (answer += c));
        socket.on('end', () => resolve({ protocol, answer }));
      });
    } catch (error) {
      resolve({ error });
      return;
    }
    socket.on('error', (error) => resolve({ error }));
  });
}

describe('security: tls.connect(path, options) under install', () => {
  it('baseline: without the install the same call connects (the setup is real)', async () => {
    const server = await startUnixTlsServer({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' });
    try {
      const outcome = await connectByPath(server.path, { servername: 'graph.microsoft.com', ca: TESTING_CA });
      assert.equal(outcome.protocol, 'TLSv1.3', String(outcome.error));
    } finally {
      await server.close();
    }
  });

  it('connects to a healthy TLS 1.3 server on a Unix socket, judged by the policy', async () => {
    const server = await startUnixTlsServer({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' });
    const policy = createTlsPolicy();
    const events = recordEvents(policy);
    const uninstall = installTlsPolicy(policy);
    try {
      const outcome = await connectByPath(server.path, { servername: 'graph.microsoft.com', ca: TESTING_CA });
      assert.equal(
        outcome.error,
        undefined,
        `failed: ${String((outcome.error as { code?: string } | undefined)?.code)} ${String(outcome.error)}`,
      );
      assert.equal(outcome.protocol, 'TLSv1.3');
      assert.ok(
        events.secure.some((e) => e.host === 'graph.microsoft.com'),
        'the connection was judged by the policy',
      );
    } finally {
      uninstall();
      await server.close();
    }
  });

  it('refuses a TLS 1.0 server on a Unix socket named graph.microsoft.com, zero bytes', async () => {
    const server = await startUnixTlsServer({ minVersion: 'TLSv1', maxVersion: 'TLSv1' });
    const policy = createTlsPolicy();
    const events = recordEvents(policy);
    const uninstall = installTlsPolicy(policy);
    try {
      const outcome = await connectByPath(server.path, {
        servername: 'graph.microsoft.com',
        ca: TESTING_CA,
        minVersion: 'TLSv1',
        ciphers: 'DEFAULT:@SECLEVEL=0',
      });
      assert.equal(
        findTlsPolicyError(outcome.error)?.code,
        'ERR_TLS_POLICY_VERSION',
        `got ${String((outcome.error as { code?: string } | undefined)?.code ?? outcome.protocol)}`,
      );
      assert.equal(server.bytesReceived(), 0);
      assert.ok(events.violations.some((v) => v.kind === 'legacy-server' && v.action === 'blocked'));
    } finally {
      uninstall();
      await server.close();
    }
  });
});
