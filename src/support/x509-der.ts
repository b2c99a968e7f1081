// Just enough DER to name a certificate's signature algorithm: Node's X509Certificate has no
// signature algorithm on Node 20. Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm,
// signature } (RFC 5280 4.1). Used by the verdict (weak signatures) and the CLI probe.

const SIGNATURE_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.1': 'ecdsa-with-SHA224',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'ED25519',
  '1.3.101.113': 'ED448',
};
/** One DER element at `at`: where its content starts and ends. */
function element(der: Buffer, at: number): { start: number; end: number } | undefined {
  let p = at + 1;
  const first = der[p++];
  if (first === undefined) return undefined;
  let length = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (der[p++] ?? 0);
  }
  return p + length <= der.length ? { start: p, end: p + length } : undefined;
}

function decodeOid(bytes: Buffer): string {
  const parts = [Math.floor((bytes[0] ?? 0) / 40), (bytes[0] ?? 0) % 40];
  let value = 0;
  for (const byte of bytes.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

/** The outer signatureAlgorithm's name (or its OID), read from the DER. */
export function signatureAlgorithmOf(der: Buffer): string {
  const certificate = element(der, 0);
  const tbs = certificate && element(der, certificate.start);
  const algorithm = tbs && element(der, tbs.end);
  const oid = algorithm && der[algorithm.start] === 0x06 ? element(der, algorithm.start) : undefined;
  if (oid === undefined) return 'unknown';
  const dotted = decodeOid(der.subarray(oid.start, oid.end));
  return SIGNATURE_ALGORITHMS[dotted] ?? dotted;
}

/** SHA-1, MD5 or SHA-224 signatures: what OpenSSL security level 2 refuses (`CA_MD_TOO_WEAK`). */
export function isWeakSignature(algorithm: string): boolean {
  return /SHA1|MD5|SHA224/iu.test(algorithm);
}
