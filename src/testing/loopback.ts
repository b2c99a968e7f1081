import type * as net from 'node:net';

/** A server on 127.0.0.1 (a free port) whose close() also ends every connection it accepted. */
export async function listenOnLoopback(server: net.Server, sockets: Set<net.Socket>): Promise<{ port: number; close(): Promise<void> }> {
  server.on('connection', (socket: net.Socket) => track(sockets, socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Remembers a socket until it closes; its errors are the test's business, not a crash. */
export function track(sockets: Set<net.Socket>, socket: net.Socket): void {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => {});
}

/** Calls `onRecord` with the first complete TLS record read from `socket`, then stops reading it. */
export function firstRecord(socket: net.Socket, onRecord: (record: Buffer) => void): void {
  let pending = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    pending = Buffer.concat([pending, chunk]);
    if (pending.length < 5 || pending.length < 5 + pending.readUInt16BE(3)) return;
    socket.off('data', onData);
    socket.pause();
    onRecord(pending);
  };
  socket.on('data', onData);
}
