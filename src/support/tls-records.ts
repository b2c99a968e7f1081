/**
 * In-place surgery on the first TLS records of a connection, for the testing kit's downgrade
 * proxy and the CLI probe's TLS_FALLBACK_SCSV check: just
 * enough parsing of a ClientHello and a ServerHello (RFC 8446 section 4.1) to perform the
 * attacks a real on-path attacker would, with every length field kept consistent.
 */

const HANDSHAKE = 22;
const CLIENT_HELLO = 1;
const SERVER_HELLO = 2;
const SUPPORTED_VERSIONS = 43;
const TLS13 = 0x0304;
/** TLS_FALLBACK_SCSV (RFC 7507): "I am retrying at a lower version". */
export const TLS_FALLBACK_SCSV = 0x5600;
const ECDHE_RSA_AES128_SHA = 0xc013;
const ECDHE_ECDSA_AES128_SHA = 0xc009;

interface ClientHelloLayout {
  cipherSuitesAt: number;
  extensionsAt: number;
  extensionsEnd: number;
}

function clientHelloLayout(record: Buffer): ClientHelloLayout | undefined {
  if (record.length < 9 || record[0] !== HANDSHAKE || record[5] !== CLIENT_HELLO) return undefined;
  let p = 9 + 2 + 32; // record header, handshake header, legacy_version, random
  p += 1 + record.readUInt8(p); // legacy_session_id
  const cipherSuitesAt = p;
  p += 2 + record.readUInt16BE(p);
  p += 1 + record.readUInt8(p); // legacy_compression_methods
  if (p + 2 > record.length) return undefined;
  return { cipherSuitesAt, extensionsAt: p, extensionsEnd: p + 2 + record.readUInt16BE(p) };
}

/** Grows or shrinks the record, handshake and (when inside them) extensions lengths by `delta`. */
function adjustLengths(out: Buffer, delta: number, extensionsAt?: number): void {
  out.writeUInt16BE(out.readUInt16BE(3) + delta, 3);
  out.writeUIntBE(out.readUIntBE(6, 3) + delta, 6, 3);
  if (extensionsAt !== undefined) out.writeUInt16BE(out.readUInt16BE(extensionsAt) + delta, extensionsAt);
}

function findExtension(record: Buffer, layout: ClientHelloLayout, type: number): { at: number; length: number } | undefined {
  for (let p = layout.extensionsAt + 2; p + 4 <= layout.extensionsEnd; p += 4 + record.readUInt16BE(p + 2)) {
    if (record.readUInt16BE(p) === type) return { at: p, length: record.readUInt16BE(p + 2) };
  }
  return undefined;
}

/** Removes TLS 1.3 from supported_versions. Returns undefined when there was nothing to strip. */
export function stripTls13(record: Buffer): Buffer | undefined {
  const layout = clientHelloLayout(record);
  const ext = layout && findExtension(record, layout, SUPPORTED_VERSIONS);
  if (layout === undefined || ext === undefined) return undefined;
  const count = record.readUInt8(ext.at + 4) / 2;
  const versions = Array.from({ length: count }, (_, i) => record.readUInt16BE(ext.at + 5 + i * 2));
  const kept = versions.filter((v) => v !== TLS13);
  if (kept.length === versions.length) return undefined;
  const body = Buffer.alloc(5 + kept.length * 2);
  body.writeUInt16BE(SUPPORTED_VERSIONS, 0);
  body.writeUInt16BE(1 + kept.length * 2, 2);
  body.writeUInt8(kept.length * 2, 4);
  kept.forEach((v, i) => {
    body.writeUInt16BE(v, 5 + i * 2);
  });
  const out = Buffer.concat([record.subarray(0, ext.at), body, record.subarray(ext.at + 4 + ext.length)]);
  adjustLengths(out, body.length - (4 + ext.length), layout.extensionsAt);
  return out;
}

/**
 * Presents a TLS 1.1 ClientHello: legacy_version 0x0302, no supported_versions, and TLS 1.1
 * suites (ECDHE-RSA-AES128-SHA, ECDHE-ECDSA-AES128-SHA: for an RSA or an EC certificate) added,
 * so that a server that still speaks TLS 1.1 answers with one rather than failing for want of a suite.
 */
export function forceTls11(record: Buffer): Buffer | undefined {
  const withRsa = appendCipherSuite(record, ECDHE_RSA_AES128_SHA);
  const withSuite = withRsa && appendCipherSuite(withRsa, ECDHE_ECDSA_AES128_SHA);
  const layout = withSuite && clientHelloLayout(withSuite);
  if (withSuite === undefined || layout === undefined) return undefined;
  const ext = findExtension(withSuite, layout, SUPPORTED_VERSIONS);
  const out = ext === undefined ? withSuite : Buffer.concat([withSuite.subarray(0, ext.at), withSuite.subarray(ext.at + 4 + ext.length)]);
  if (ext !== undefined) adjustLengths(out, -(4 + ext.length), layout.extensionsAt);
  out.writeUInt16BE(0x0302, 9);
  return out;
}

/** Appends one suite to the ClientHello's cipher_suites. */
export function appendCipherSuite(record: Buffer, suite: number): Buffer | undefined {
  const layout = clientHelloLayout(record);
  if (layout === undefined) return undefined;
  const suitesLength = record.readUInt16BE(layout.cipherSuitesAt);
  const end = layout.cipherSuitesAt + 2 + suitesLength;
  const added = Buffer.alloc(2);
  added.writeUInt16BE(suite, 0);
  const out = Buffer.concat([record.subarray(0, end), added, record.subarray(end)]);
  out.writeUInt16BE(suitesLength + 2, layout.cipherSuitesAt);
  adjustLengths(out, 2);
  return out;
}

/** Strips TLS 1.3 and appends TLS_FALLBACK_SCSV, as a client retrying after a failed handshake would. */
export function fallbackScsv(record: Buffer): Buffer | undefined {
  const stripped = stripTls13(record);
  return stripped === undefined ? undefined : appendCipherSuite(stripped, TLS_FALLBACK_SCSV);
}

/** Flips a bit in ServerHello.random (its first byte, so the RFC 8446 sentinel is never formed). */
export function tamperServerHello(record: Buffer): Buffer | undefined {
  if (record.length < 12 || record[0] !== HANDSHAKE || record[5] !== SERVER_HELLO) return undefined;
  const out = Buffer.from(record);
  out[11] = (out[11] ?? 0) ^ 0x01;
  return out;
}
