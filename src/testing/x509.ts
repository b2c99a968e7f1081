import { createHash, type KeyObject, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';

// A small DER writer for the few X.509 structures the testing kit issues (RFC 5280): enough to
// sign a CA and server certificates for any names and IP addresses, with Node's own crypto.

const tlv = (tag: number, content: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), length(content.length), content]);

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
/** A non-negative INTEGER in its minimal (DER) form: no leading zero bytes but the one a high bit needs. */
function integer(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  const minimal = bytes.subarray(start);
  return tlv(0x02, (minimal[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
}
const boolean = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0]));
const octets = (bytes: Buffer): Buffer => tlv(0x04, bytes);
const bits = (bytes: Buffer, unused = 0): Buffer => tlv(0x03, Buffer.concat([Buffer.from([unused]), bytes]));
const utf8 = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
const explicit = (tag: number, content: Buffer): Buffer => tlv(0xa0 | tag, content);

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a + b];
  for (const part of rest) {
    const chunk = [part & 0x7f];
    for (let n = part >> 7; n > 0; n >>= 7) chunk.unshift((n & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

// UTCTime until 2049, GeneralizedTime from 2050 on (RFC 5280 4.1.2.5).
function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/gu, '').slice(0, 14);
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const name = (commonName: string): Buffer => sequence(set(sequence(oid('2.5.4.3'), utf8(commonName))));
const extension = (id: string, critical: boolean, value: Buffer): Buffer =>
  sequence(oid(id), ...(critical ? [boolean(true)] : []), octets(value));

function signatureAlgorithm(key: KeyObject, digest: 'sha256' | 'sha1'): Buffer {
  if (key.asymmetricKeyType === 'ec') return sequence(oid(digest === 'sha1' ? '1.2.840.10045.4.1' : '1.2.840.10045.4.3.2')); // ecdsa-with-SHA1/SHA256
  return sequence(oid(digest === 'sha1' ? '1.2.840.113549.1.1.5' : '1.2.840.113549.1.1.11'), tlv(0x05, Buffer.alloc(0))); // sha1/sha256WithRSAEncryption
}

/** The key identifier of a public key: SHA-1 of its subjectPublicKey bits (RFC 5280 4.2.1.2, method 1). */
function keyId(spki: Buffer): Buffer {
  // The SPKI is SEQUENCE { algorithm, BIT STRING }: hashing the whole DER is a stable identifier
  // too, and all a test CA needs (the identifiers only have to match between issuer and subject).
  return createHash('sha1').update(spki).digest();
}

/** A subjectAltName entry per name: dNSName, or iPAddress for an IPv4/IPv6 literal. */
function altNames(names: readonly string[]): Buffer {
  return sequence(
    ...names.map((given) => {
      const n = given.startsWith('[') && given.endsWith(']') ? given.slice(1, -1) : given; // [v6] as URLs write it
      const family = isIP(n);
      if (family === 0) return tlv(0x82, Buffer.from(n, 'ascii'));
      return tlv(0x87, family === 4 ? Buffer.from(n.split('.').map(Number)) : ipv6Bytes(n));
    }),
  );
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = address.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return Buffer.from(groups.flatMap((g) => [(Number.parseInt(g, 16) >> 8) & 0xff, Number.parseInt(g, 16) & 0xff]));
}

export interface CertificateRequest {
  readonly commonName: string;
  /** DNS names and IP addresses for subjectAltName (a leaf); none for a CA. */
  readonly names?: readonly string[];
  readonly ca: boolean;
  readonly publicKey: KeyObject;
  readonly issuer: { readonly commonName: string; readonly privateKey: KeyObject; readonly publicKey: KeyObject };
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The signature's digest. Default `'sha256'`; `'sha1'` only to test that weak signatures are caught. */
  readonly digest?: 'sha256' | 'sha1';
}

/** Issues and signs one certificate; returns it as PEM. */
export function issueCertificate(r: CertificateRequest): string {
  const spki = r.publicKey.export({ type: 'spki', format: 'der' });
  const issuerSpki = r.issuer.publicKey.export({ type: 'spki', format: 'der' });
  const digest = r.digest ?? 'sha256';
  const algorithm = signatureAlgorithm(r.issuer.privateKey, digest);
  const extensions = [
    extension('2.5.29.19', true, r.ca ? sequence(boolean(true)) : sequence()), // basicConstraints
    // keyUsage: keyCertSign + cRLSign for the CA; digitalSignature + keyEncipherment for a server
    // (the latter for RSA key exchange, which TLS 1.0-1.2 servers with RSA keys can use).
    extension('2.5.29.15', true, r.ca ? bits(Buffer.from([0x06]), 1) : bits(Buffer.from([0xa0]), 5)),
    extension('2.5.29.14', false, octets(keyId(spki))), // subjectKeyIdentifier
    ...(r.ca ? [] : [extension('2.5.29.35', false, sequence(tlv(0x80, keyId(issuerSpki))))]), // authorityKeyIdentifier
    ...(r.ca ? [] : [extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1')))]), // extendedKeyUsage: serverAuth
    ...(r.names !== undefined && r.names.length > 0 ? [extension('2.5.29.17', false, altNames(r.names))] : []),
  ];
  const serial = randomBytes(16);
  // Positive and 16 bytes long: OpenSSL 3.5 rejects a non-minimal INTEGER, which a random
  // leading zero byte would otherwise make one time in 256.
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    algorithm,
    name(r.issuer.commonName),
    sequence(time(r.notBefore), time(r.notAfter)),
    name(r.commonName),
    spki,
    explicit(3, sequence(...extensions)),
  );
  const signature = sign(digest, tbs, r.issuer.privateKey);
  const der = sequence(tbs, algorithm, bits(signature));
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{1,64}/gu, '$&\n')}-----END CERTIFICATE-----\n`;
}
