import * as https from 'node:https';
import type * as tls from 'node:tls';
import { CA, lookup } from './fixtures.js';

export interface Outcome {
  ok: boolean;
  status?: number | undefined;
  body?: string;
  protocol?: string | null;
  reusedSocket?: boolean;
  sessionReused?: boolean;
  error?: Error & { code?: string; cause?: unknown };
}

/**
 * One real https request to `host` on a loopback port, through `agent`, trusting the test CA.
 * Resolves with the outcome either way so tests can assert on codes.
 */
export function request(
  agent: https.Agent | undefined,
  host: string,
  port: number,
  extra: https.RequestOptions = {},
  body?: string,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = https.request(
      { host, port, path: '/', method: body === undefined ? 'GET' : 'POST', agent, ca: CA, lookup, ...extra },
      (res) => {
        const socket = res.socket as tls.TLSSocket;
        const protocol = socket.getProtocol();
        const sessionReused = socket.isSessionReused();
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({
            ok: true,
            status: res.statusCode,
            body: Buffer.concat(chunks).toString(),
            protocol,
            reusedSocket: req.reusedSocket,
            sessionReused,
          });
        });
      },
    );
    req.on('error', (error: Error) => resolve({ ok: false, error }));
    req.end(body);
  });
}
