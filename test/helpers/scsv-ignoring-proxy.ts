import * as net from 'node:net';
import { listenOnLoopback, track } from '../../src/testing/loopback.js';

// A server that ignores TLS_FALLBACK_SCSV, made from one that honours it: Node's servers always
// honour it (OpenSSL has no switch), so this TCP relay swaps the SCSV (0x5600) in a ClientHello's
// cipher list for a GREASE value (RFC 8701: servers ignore it). Lengths are kept; everything else
// passes through untouched.

const GREASE = 0x0a0a;

function withoutScsv(record: Buffer): Buffer {
  if (record.length < 44 || record[0] !== 22 || record[5] !== 1) return record;
  const out = Buffer.from(record);
  let p = 9 + 2 + 32;
  p += 1 + out.readUInt8(p);
  const end = p + 2 + out.readUInt16BE(p);
  for (let q = p + 2; q + 2 <= end && q + 2 <= out.length; q += 2) if (out.readUInt16BE(q) === 0x5600) out.writeUInt16BE(GREASE, q);
  return out;
}

export interface ScsvIgnoringProxy {
  readonly port: number;
  /** ClientHellos that carried the SCSV and were rewritten. */
  readonly rewritten: number;
  close(): Promise<void>;
}

export async function startScsvIgnoringProxy(targetPort: number): Promise<ScsvIgnoringProxy> {
  const sockets = new Set<net.Socket>();
  let rewritten = 0;
  const server = net.createServer((client) => {
    track(sockets, client);
    const upstream = net.connect(targetPort, '127.0.0.1');
    track(sockets, upstream);
    let first = true;
    client.on('data', (chunk: Buffer) => {
      const out = first ? withoutScsv(chunk) : chunk;
      if (first && !out.equals(chunk)) rewritten += 1;
      first = false;
      upstream.write(out);
    });
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const listening = await listenOnLoopback(server, sockets);
  return {
    port: listening.port,
    get rewritten() {
      return rewritten;
    },
    close: listening.close,
  };
}
