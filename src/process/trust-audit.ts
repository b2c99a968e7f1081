import { readFileSync, statSync } from 'node:fs';
import type { RuntimeFinding } from '../policy/types.js';

/** What the trust audit reads: the environment and the process's flags. */
export interface TrustInputs {
  readonly env: NodeJS.ProcessEnv;
  /** NODE_OPTIONS and execArgv, split into flags. */
  readonly flags: readonly string[];
}

// An OpenSSL configuration is small; anything larger is not read (and reported as unreadable).
const MAX_CONFIG_BYTES = 1 << 20;

/**
 * Every source of trust or TLS configuration beyond Node's own: private CAs added to the store
 * (TLS-inspection proxies are legitimate, but an admin must be able to see them) and an
 * OpenSSL configuration file, which can lower the security level of every context that does
 * not state its own. The policy states its own level for in-scope connections
 * (policy/ciphers.ts), so a lowered level is reported, not obeyed, there.
 */
export function auditTrust(i: TrustInputs): RuntimeFinding[] {
  const findings: RuntimeFinding[] = [];
  const has = (flag: string): boolean => i.flags.some((f) => f === flag);
  const extra = i.env['NODE_EXTRA_CA_CERTS'];
  if (extra) {
    findings.push({
      id: 'trust-extra-ca-certs',
      severity: 'low',
      message: `NODE_EXTRA_CA_CERTS adds the CA certificates in ${extra} to the trusted store of every TLS client in the process`,
      fix: 'keep it only for a CA you operate (a TLS-inspection proxy, a private PKI); remove it otherwise',
    });
  }
  if (has('--use-openssl-ca') || has('--use-system-ca') || i.env['NODE_USE_SYSTEM_CA'] === '1') {
    const source = has('--use-openssl-ca') ? "OpenSSL's store (--use-openssl-ca)" : "the operating system's store (--use-system-ca)";
    const paths = ['SSL_CERT_FILE', 'SSL_CERT_DIR'].filter((name) => i.env[name]).map((name) => `${name}=${i.env[name]}`);
    findings.push({
      id: 'trust-system-store',
      severity: 'low',
      message: `TLS clients trust ${source} instead of Node's bundled Mozilla list${paths.length > 0 ? ` (${paths.join(', ')})` : ''}`,
      fix: 'review the certificates in that store: every one of them can vouch for Microsoft 365 host names',
    });
  }
  const conf = i.env['OPENSSL_CONF'];
  if (conf) findings.push(openSslConfigFinding(conf));
  return findings;
}

function openSslConfigFinding(path: string): RuntimeFinding {
  let text: string | undefined;
  try {
    if (statSync(path).size <= MAX_CONFIG_BYTES) text = readFileSync(path, 'utf8');
  } catch {
    text = undefined;
  }
  const lowered = text !== undefined && /@SECLEVEL\s*=\s*[01]\b|^\s*SecurityLevel\s*=\s*[01]\b/imu.test(text);
  if (lowered) {
    return {
      id: 'openssl-conf-seclevel',
      severity: 'high',
      message: `OPENSSL_CONF (${path}) lowers the OpenSSL security level to 0 or 1: RSA-1024 or weaker keys and SHA-1 signatures pass wherever a context does not state its own level (the policy's in-scope connections do)`,
      fix: 'remove the @SECLEVEL/SecurityLevel setting from that file, or unset OPENSSL_CONF',
    };
  }
  return {
    id: 'openssl-conf',
    severity: 'low',
    message: `OPENSSL_CONF points OpenSSL at ${path}${text === undefined ? ' (not readable by this process)' : ''}; it can change defaults of every TLS context`,
    fix: 'make sure the file is meant for this process; unset OPENSSL_CONF otherwise',
  };
}
