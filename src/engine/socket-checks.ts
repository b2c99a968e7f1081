import * as tls from 'node:tls';
import { negotiatedCipherAllowed, tlsLibraryHasSecurityLevels } from '../policy/ciphers.js';
import { normalizeHost } from '../policy/host-names.js';
import type { PolicyConfig } from '../policy/options.js';
import { versionRank } from '../policy/tls-options.js';
import type { PolicyViolation } from '../policy/types.js';
import { makeViolation, type ViolationContext } from '../policy/violations.js';
import { isWeakSignature, signatureAlgorithmOf } from '../support/x509-der.js';

/**
 * Post-handshake facts of a connected socket, judged against the policy. Reads
 * `getProtocol()`, never `getCipher().version`: the latter names the version that
 * *introduced* the suite (TLSv1/SSLv3 for many TLS 1.2 connections), not the one in use.
 */
export function inspectSocket(
  socket: tls.TLSSocket,
  config: PolicyConfig,
  base: ViolationContext,
  how: {
    /** The name the certificate must carry; undefined: the one the connection was opened for (its servername, else its host). */
    readonly identity?: string | undefined;
    /**
     * The session was resumed from one whose certificate was verified for this name when it
     * was issued: a resumed handshake carries no certificate, and Node skips the name check.
     */
    readonly resumed: boolean;
  },
): { ctx: ViolationContext; violations: PolicyViolation[] } {
  const protocol = socket.getProtocol() ?? undefined;
  const cipher = socket.getCipher()?.name;
  const ctx: ViolationContext = { ...base, protocol, cipher };
  const violations: PolicyViolation[] = [];
  if (protocol === undefined || cipher === undefined) {
    violations.push(
      makeViolation(ctx, { kind: 'unverified-peer', detail: 'the TLS handshake has not completed, so nothing can be verified' }),
    );
    return { ctx, violations };
  }
  if (versionRank(protocol) < versionRank(config.minVersion)) {
    violations.push(makeViolation(ctx, { kind: 'below-floor', detail: `negotiated ${protocol}, below the floor ${config.minVersion}` }));
  }
  if (!negotiatedCipherAllowed(cipher, protocol, config)) {
    violations.push(
      makeViolation(ctx, { kind: 'weak-cipher', detail: `negotiated cipher ${cipher} is outside the '${config.ciphers}' policy` }),
    );
  }
  if (!socket.authorized) {
    const reason = socket.authorizationError;
    violations.push(
      makeViolation(ctx, {
        kind: 'unverified-peer',
        detail: 'the server certificate was not verified',
        nodeCode: typeof reason === 'string' ? reason : (reason as { code?: string } | undefined)?.code,
      }),
    );
  } else if (!how.resumed && !hasCertificate(socket)) {
    // An external pre-shared key (pskCallback) authenticates without a certificate, and Node
    // still reports `authorized`: nobody proved to be the host.
    violations.push(makeViolation(ctx, { kind: 'unverified-peer', detail: 'the server presented no certificate' }));
  } else if (!how.resumed) {
    const name = how.identity ?? base.servername ?? base.host;
    const failure = tls.checkServerIdentity(name, socket.getPeerCertificate());
    if (failure !== undefined) {
      violations.push(
        makeViolation(ctx, {
          kind: 'unverified-peer',
          detail: 'the server certificate does not name the host',
          nodeCode: (failure as Error & { code?: string }).code,
        }),
      );
    }
    // Where the TLS library has security levels, level 2 in the policy's context already refused
    // such a chain while verifying it (on the chain it built, which this walk cannot know).
    const weak = tlsLibraryHasSecurityLevels() ? undefined : weakCertificateChain(socket);
    if (weak !== undefined) violations.push(makeViolation(ctx, { kind: 'unverified-peer', ...weak }));
  }
  return { ctx, violations };
}

/**
 * Keys and signatures OpenSSL security level 2 refuses (RSA/DSA below 2048 bits, EC below 224,
 * SHA-1/MD5/SHA-224 signatures) in the chain the peer presented: the verdict's stand-in for the
 * level where the TLS library has none (BoringSSL, under Bun). The trust anchor's own signature
 * is never checked.
 */
export function weakCertificateChain(socket: tls.TLSSocket): { detail: string; nodeCode: string } | undefined {
  let cert = socket.getPeerCertificate(true) as tls.DetailedPeerCertificate | undefined;
  const seen = new Set<string>();
  for (let depth = 0; cert?.raw !== undefined && !seen.has(cert.fingerprint256); depth += 1) {
    seen.add(cert.fingerprint256);
    const which = depth === 0 ? 'the server certificate' : `chain certificate ${depth + 1}`;
    const bits = typeof cert.bits === 'number' ? cert.bits : undefined;
    const ec = cert.asn1Curve !== undefined || cert.nistCurve !== undefined;
    if (bits !== undefined && bits < (ec ? 224 : 2048))
      return {
        detail: `${which} has a ${ec ? 'EC' : 'RSA/DSA'} key of ${bits} bits`,
        nodeCode: depth === 0 ? 'EE_KEY_TOO_SMALL' : 'CA_KEY_TOO_SMALL',
      };
    const issuer = cert.issuerCertificate;
    // Only a self-signed certificate (the trust anchor) is spared: one whose issuer the runtime
    // did not attach is still checked, its signature algorithm being in its own bytes.
    const anchor = issuer !== undefined && (issuer === cert || issuer.fingerprint256 === cert.fingerprint256);
    if (!anchor) {
      const algorithm = signatureAlgorithmOf(cert.raw);
      if (isWeakSignature(algorithm)) return { detail: `${which} is signed with ${algorithm}`, nodeCode: 'CA_MD_TOO_WEAK' };
    }
    cert = issuer;
  }
  return undefined;
}

function hasCertificate(socket: tls.TLSSocket): boolean {
  const cert = socket.getPeerCertificate(false) as Partial<tls.PeerCertificate> | null | undefined;
  return cert?.raw !== undefined && cert.raw.length > 0;
}

/** DNS names in the peer certificate (subjectAltName), a wildcard's `*` kept. */
export function certificateDnsNames(socket: tls.TLSSocket): string[] {
  const san = socket.getPeerCertificate(false)?.subjectaltname;
  if (typeof san !== 'string') return [];
  return san
    .split(/,\s*/u)
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4));
}

/** Does any DNS name of the peer certificate fall in scope? A `*.x` name counts as a name under x. */
export function certificateInScope(socket: tls.TLSSocket, config: PolicyConfig): boolean {
  return certificateDnsNames(socket).some((name) => {
    const concrete = name.startsWith('*.') ? `wildcard.${name.slice(2)}` : name;
    const host = normalizeHost(concrete);
    return host.kind === 'name' && config.scope.matches(host);
  });
}

/**
 * The names a client socket was opened with. Node keeps no public record of them on client
 * sockets, so read the SNI from the native handle and the connect host from `_host`, both
 * defensively: absent values simply leave the target undetermined (and so in scope).
 */
export function socketNames(socket: tls.TLSSocket): { servername: string | undefined; host: string | undefined } {
  const s = socket as tls.TLSSocket & { servername?: unknown; _host?: unknown; _handle?: { getServername?: () => unknown } | null };
  let sni: unknown = s.servername;
  if (typeof sni !== 'string' || sni === '') {
    try {
      sni = s._handle?.getServername?.();
    } catch {
      sni = undefined;
    }
  }
  return {
    servername: typeof sni === 'string' && sni !== '' ? sni : undefined,
    host: typeof s._host === 'string' && s._host !== '' ? s._host : undefined,
  };
}
