import type * as net from 'node:net';

/** Tracks a server's sockets so that close() really ends every connection. */
export function trackSockets(): { sockets: Set<net.Socket>; track(socket: net.Socket): void } {
  const sockets = new Set<net.Socket>();
  return {
    sockets,
    track(socket) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    },
  };
}

/** Listens on 127.0.0.1 (a free port) and returns the port and a close() that ends every tracked socket. */
export async function listenOnLoopback(server: net.Server, sockets: Set<net.Socket>): Promise<{ port: number; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
