import type { Debugger } from 'debug';
import { requireFromHere } from '../support/optional-require.js';
import type { PolicyViolation, RuntimeFinding, SecureConnectionEvent } from '../policy/types.js';
import { safeField } from '../policy/violations.js';

// Namespaces: enable with DEBUG=m365-tls-policy:* (a library never calls debug.enable()).
// `debug` is loaded on first use, not at import: loading it (and its terminal probing) costs
// more than the rest of this package's import put together.
let loggers: { violation: Debugger; connection: Debugger; audit: Debugger } | undefined;

function load(): { violation: Debugger; connection: Debugger; audit: Debugger } {
  if (loggers === undefined) {
    const createDebug = requireFromHere()('debug') as typeof import('debug');
    const root = createDebug('m365-tls-policy');
    loggers = { violation: root.extend('violation'), connection: root.extend('connection'), audit: root.extend('audit') };
  }
  return loggers;
}

/** The downgrade-attempt log: one line per violation. */
export const violationLog = (): Debugger => load().violation;
/** One line per in-scope connection that passed. */
export const connectionLog = (): Debugger => load().connection;
/** One line per runtime finding, at install. */
export const auditLog = (): Debugger => load().audit;

function line(fields: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    parts.push(`${key}=${Array.isArray(value) ? value.map(safeField).join(',') : safeField(value)}`);
  }
  return parts.join(' ');
}

/**
 * The violation line, in the terms Exchange and Entra reports use (host, port, version,
 * cipher, reason, action). Built only from the violation's own fields, which hold no secrets.
 */
export function formatViolation(v: PolicyViolation, suppressed = 0): string {
  return line({
    time: v.time,
    kind: v.kind,
    action: v.action,
    host: v.host,
    port: v.port,
    servername: v.servername,
    protocol: v.protocol,
    cipher: v.cipher,
    options: v.options,
    code: v.code,
    nodeCode: v.nodeCode,
    suppressed: suppressed > 0 ? suppressed : undefined,
  });
}

export function formatSecure(e: SecureConnectionEvent): string {
  return line({
    time: e.time,
    host: e.host,
    port: e.port,
    servername: e.servername,
    protocol: e.protocol,
    cipher: e.cipher,
    resumed: e.sessionReused,
  });
}

export function formatFinding(f: RuntimeFinding): string {
  return line({ id: f.id, severity: f.severity, message: f.message, fix: f.fix });
}
