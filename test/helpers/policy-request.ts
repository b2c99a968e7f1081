import * as https from 'node:https';
import type * as tls from 'node:tls';
import type { TlsPolicy } from '../../src/index.js';
import { createHttpsAgent } from '../../src/index.js';
import { TESTING_CA, type TestTlsServer } from '../../src/testing/index.js';

/** One request through a new agent of `policy` (keepAlive off); resolves once the socket has closed (TLS 1.3 tickets stored). */
export function requestThroughPolicy(
  policy: TlsPolicy,
  server: TestTlsServer,
  host = server.hostnames[0]!,
  extra: Record<string, unknown> = {},
): Promise<{ reused: boolean; protocol: string | null }> {
  const agent = createHttpsAgent({ policy, keepAlive: false, ca: TESTING_CA, ...extra });
  return new Promise<{ reused: boolean; protocol: string | null }>((resolve, reject) => {
    let result: { reused: boolean; protocol: string | null } | undefined;
    https
      .get(
        { host, port: server.port, path: '/', agent, lookup: server.lookup, headers: { authorization: 'Bearer memo-attack' } },
        (res) => {
          const socket = res.socket as tls.TLSSocket;
          result = { reused: socket.isSessionReused(), protocol: socket.getProtocol() };
          res.resume();
        },
      )
      .on('socket', (socket) => socket.once('close', () => (result ? resolve(result) : reject(new Error('closed without a response')))))
      .on('error', reject);
  }).finally(() => agent.destroy());
}
