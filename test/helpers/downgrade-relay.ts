import * as net from 'node:net';
import { listenOnLoopback, trackSockets } from './loopback.js';

/**
 * A loopback TCP relay that acts as an on-path attacker: it rewrites the first ClientHello so
 * that it no longer offers TLS 1.3 (removes 0x0304 from the supported_versions extension and
 * fixes every length), then relays bytes both ways untouched. A TLS 1.3-capable server then
 * answers with TLS 1.2 and the RFC 8446 downgrade sentinel in ServerHello.random, which a
 * client whose maximum is TLS 1.3 must refuse.
 */
export interface Relay {
  port: number;
  /** How many ClientHellos were actually rewritten (proves the attack happened). */
  rewritten: number;
  close(): Promise<void>;
}

export async function startDowngradeRelay(targetPort: number): Promise<Relay> {
  const { sockets, track } = trackSockets();
  const state = { rewritten: 0 };
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    track(client);
    track(upstream);
    let pending = Buffer.alloc(0);
    const onFirst = (chunk: Buffer): void => {
      pending = Buffer.concat([pending, chunk]);
      if (pending.length < 5) return;
      const recordLength = pending.readUInt16BE(3);
      if (pending.length < 5 + recordLength) return; // wait for the whole first record
      client.off('data', onFirst);
      const rewritten = stripTls13(pending);
      if (rewritten !== pending) state.rewritten += 1;
      upstream.write(rewritten);
      client.pipe(upstream);
    };
    client.on('data', onFirst);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return Object.assign(state, await listenOnLoopback(server, sockets));
}

/** Returns a ClientHello record without TLS 1.3 in supported_versions (or the input unchanged). */
export function stripTls13(record: Buffer): Buffer {
  if (record[0] !== 22 || record[5] !== 1) return record; // handshake record holding a ClientHello
  const buf = Buffer.from(record);
  let p = 9 + 2 + 32; // record header 5, handshake header 4, client_version 2, random 32
  p += 1 + buf.readUInt8(p); // session id
  p += 2 + buf.readUInt16BE(p); // cipher suites
  p += 1 + buf.readUInt8(p); // compression methods
  const extensionsLengthAt = p;
  const end = p + 2 + buf.readUInt16BE(p);
  p += 2;
  while (p + 4 <= end) {
    const type = buf.readUInt16BE(p);
    const length = buf.readUInt16BE(p + 2);
    if (type === 43) {
      const versions: number[] = [];
      for (let i = 0; i < buf.readUInt8(p + 4) / 2; i++) versions.push(buf.readUInt16BE(p + 5 + i * 2));
      const kept = versions.filter((v) => v !== 0x0304);
      const removed = (versions.length - kept.length) * 2;
      if (removed === 0) return record;
      const ext = Buffer.alloc(4 + 1 + kept.length * 2);
      ext.writeUInt16BE(43, 0);
      ext.writeUInt16BE(1 + kept.length * 2, 2);
      ext.writeUInt8(kept.length * 2, 4);
      kept.forEach((v, i) => ext.writeUInt16BE(v, 5 + i * 2));
      const out = Buffer.concat([buf.subarray(0, p), ext, buf.subarray(p + 4 + length)]);
      out.writeUInt16BE(out.readUInt16BE(3) - removed, 3); // record length
      out.writeUIntBE(out.readUIntBE(6, 3) - removed, 6, 3); // handshake length
      out.writeUInt16BE(out.readUInt16BE(extensionsLengthAt) - removed, extensionsLengthAt);
      return out;
    }
    p += 4 + length;
  }
  return record;
}
