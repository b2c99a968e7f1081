import type * as tls from 'node:tls';

/**
 * A raw TLS client that writes an HTTP request carrying `Authorization: <token>` as soon as
 * `connect` reports the socket connected (its secure listener), and resolves with everything
 * the server answered. The attack tests use it through every adapter: a refused connection must
 * reject before a byte of the request is written. Sessions the socket is issued are pushed to
 * `sessions` (for resumption attacks).
 */
export function rawRequest(token: string, connect: (cb: () => void) => tls.TLSSocket, sessions: Buffer[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    let socket: tls.TLSSocket;
    try {
      socket = connect(() =>
        socket.write(`GET /v1.0/me HTTP/1.1\r\nHost: graph.microsoft.com\r\nAuthorization: ${token}\r\nConnection: close\r\n\r\n`),
      );
    } catch (error) {
      reject(error);
      return;
    }
    socket.on('session', (s: Buffer) => sessions.push(s));
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

/** The status line of a raw answer. */
export const statusLine = (answer: string): string => answer.split('\r\n')[0] ?? '';
