import tls from 'node:tls';
import type { RuntimeFinding } from '../policy/types.js';
import { processCiphersWeakened, tlsLibraryHasSecurityLevels } from '../policy/ciphers.js';
import { versionRank } from '../policy/tls-options.js';
import { auditTrust } from './trust-audit.js';

export type { RuntimeFinding } from '../policy/types.js';

// End of life of each Node.js major (nodejs/Release schedule). A major past its date gets no
// more security releases, OpenSSL updates included.
const NODE_END_OF_LIFE: Readonly<Record<number, string>> = {
  16: '2023-09-11',
  17: '2022-06-01',
  18: '2025-04-30',
  19: '2023-06-01',
  20: '2026-04-30',
  21: '2024-06-01',
  22: '2027-04-30',
  23: '2025-06-01',
  24: '2028-04-30',
  25: '2026-06-01',
  26: '2029-04-30',
};

interface AuditInputs {
  readonly nodeOptions: string;
  readonly execArgv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly now: Date;
  readonly nodeVersion: string;
  readonly opensslVersion: string;
  /** Bun's version when running on Bun (`process.versions.bun`). */
  readonly bunVersion: string | undefined;
  /** The TLS library is BoringSSL (Bun), whose `process.versions.openssl` is a compatibility string. */
  readonly boringssl: boolean;
}

/**
 * Audits the process's TLS settings: NODE_OPTIONS and command-line flags, the environment,
 * node:tls defaults as they are now, and the Node.js and OpenSSL versions. Offline and cheap.
 */
export function auditRuntime(inputs: Partial<AuditInputs> = {}): RuntimeFinding[] {
  const i: AuditInputs = {
    nodeOptions: inputs.nodeOptions ?? process.env['NODE_OPTIONS'] ?? '',
    execArgv: inputs.execArgv ?? process.execArgv,
    env: inputs.env ?? process.env,
    now: inputs.now ?? new Date(),
    nodeVersion: inputs.nodeVersion ?? process.versions.node,
    opensslVersion: inputs.opensslVersion ?? process.versions.openssl,
    bunVersion: 'bunVersion' in inputs ? inputs.bunVersion : process.versions['bun'],
    // The policy's own answer (asked of the TLS library), not `process.features`, which any module
    // can rewrite: the audit and the hardened cipher strings must agree on the library.
    boringssl: inputs.boringssl ?? !tlsLibraryHasSecurityLevels(),
  };
  const findings: RuntimeFinding[] = [];
  const flags = [...i.nodeOptions.split(/\s+/u), ...i.execArgv].filter((f) => f.length > 0);
  const has = (re: RegExp): string | undefined => flags.find((f) => re.test(f));

  const min = has(/^--tls-min-v1\.[01]$/u);
  if (min)
    findings.push({
      id: 'flag-tls-min',
      severity: 'high',
      message: `${min} lets every TLS client in the process accept TLS 1.0/1.1`,
      fix: `remove ${min} from NODE_OPTIONS and the command line`,
    });
  const max = has(/^--tls-max-v1\.2$/u);
  if (max)
    findings.push({
      id: 'flag-tls-max',
      severity: 'medium',
      message: `${max} caps TLS at 1.2, which turns off the TLS 1.3 downgrade protection`,
      fix: `remove ${max}`,
    });
  const cipherFlag = has(/^--tls-cipher-list=/u);
  if (cipherFlag) {
    const list = cipherFlag.slice('--tls-cipher-list='.length);
    if (/@SECLEVEL=[01]\b/u.test(list))
      findings.push({
        id: 'flag-cipher-seclevel',
        severity: 'high',
        message: '--tls-cipher-list lowers the OpenSSL security level to 0 or 1',
        fix: 'remove --tls-cipher-list, or drop its @SECLEVEL part',
      });
    else if (processCiphersWeakened(list, { ciphers: 'node-default' }))
      findings.push({
        id: 'flag-cipher-list',
        severity: 'medium',
        message: "--tls-cipher-list allows suites outside Node's defaults",
        fix: 'remove --tls-cipher-list',
      });
  }
  const keylog = has(/^--tls-keylog(=|$)/u);
  if (keylog)
    findings.push({
      id: 'flag-tls-keylog',
      severity: 'high',
      message: '--tls-keylog writes TLS session keys to a file: anyone who reads it can decrypt the traffic',
      fix: 'remove --tls-keylog outside a debugging session',
    });
  if (i.env['NODE_TLS_REJECT_UNAUTHORIZED'] === '0')
    findings.push({
      id: 'env-reject-unauthorized',
      severity: 'high',
      message: 'NODE_TLS_REJECT_UNAUTHORIZED=0 turns off certificate verification for every TLS client that does not set it',
      fix: 'unset NODE_TLS_REJECT_UNAUTHORIZED; trust private CAs with NODE_EXTRA_CA_CERTS instead',
    });
  if (versionRank(tls.DEFAULT_MIN_VERSION) < versionRank('TLSv1.2'))
    findings.push({
      id: 'default-min-version',
      severity: 'high',
      message: `tls.DEFAULT_MIN_VERSION is ${tls.DEFAULT_MIN_VERSION}`,
      fix: 'find the code or flag that lowered it (a dependency, --tls-min-v1.x) and remove it',
    });
  if (tls.DEFAULT_MAX_VERSION !== 'TLSv1.3')
    findings.push({
      id: 'default-max-version',
      severity: 'medium',
      message: `tls.DEFAULT_MAX_VERSION is ${tls.DEFAULT_MAX_VERSION}, below TLSv1.3`,
      fix: 'find the code or flag that lowered it (--tls-max-v1.2) and remove it',
    });
  if (!cipherFlag && processCiphersWeakened(tls.DEFAULT_CIPHERS, { ciphers: 'node-default' }))
    findings.push({
      id: 'default-ciphers',
      severity: 'medium',
      message: "tls.DEFAULT_CIPHERS allows suites outside Node's built-in list",
      fix: 'find the code that assigned tls.DEFAULT_CIPHERS and remove it',
    });

  if (i.bunVersion !== undefined)
    findings.push({
      id: 'bun-fetch',
      severity: 'high',
      message: `Bun ${i.bunVersion}: fetch does not go through node:tls and ignores a dispatcher, so no policy (install or dispatcher) checks or refuses its connections`,
      fix: 'on Bun, call Microsoft 365 with node:https (axios, got, ...) and createHttpsAgent or the install, or run on Node.js',
    });
  // On Bun, process.versions.node is the Node.js API it emulates, not a Node.js release.
  const major = i.bunVersion === undefined ? Number(i.nodeVersion.split('.')[0]) : Number.NaN;
  const eol = NODE_END_OF_LIFE[major];
  if (eol !== undefined && i.now.toISOString().slice(0, 10) > eol) {
    findings.push({
      id: 'node-end-of-life',
      severity: 'medium',
      message: `Node.js ${i.nodeVersion} reached end of life on ${eol}: no more security releases, OpenSSL fixes included`,
      fix: 'upgrade to a supported Node.js LTS line',
    });
  }
  const opensslMajor = Number(/^(\d+)/u.exec(i.opensslVersion)?.[1] ?? 0);
  if (opensslMajor < 3 && !i.boringssl)
    findings.push({
      id: 'openssl-version',
      severity: 'medium',
      message: `OpenSSL ${i.opensslVersion} is out of support`,
      fix: 'use a Node.js build with OpenSSL 3',
    });
  findings.push(...auditTrust({ env: i.env, flags }));
  findings.push({
    id: 'versions',
    severity: 'info',
    message:
      i.bunVersion === undefined
        ? `Node.js ${i.nodeVersion} with ${i.boringssl ? 'BoringSSL' : `OpenSSL ${i.opensslVersion}`}`
        : `Bun ${i.bunVersion} (Node.js API ${i.nodeVersion}) with BoringSSL`,
    fix: 'none needed',
  });
  return findings;
}
