import { serviceOf } from './services.js';
import { otelTlsVersion } from '../policy/tls-options.js';
import type { PolicyViolation, RuntimeFinding, SecureConnectionEvent } from '../policy/types.js';

/**
 * The structured log record: one flat object per violation, passed connection or runtime
 * finding, for the service's own logger (pino, winston, bunyan, console) or NDJSON on stderr.
 * OpenTelemetry semantic-convention names where they exist (`server.address`, `server.port`,
 * `tls.protocol.version`, `tls.cipher`, `tls.client.server_name`, `tls.resumed`, `error.type`,
 * `event.name`), ours beside them. Stable: fields are only ever added, and `schema` says which
 * version a record follows (docs/logging.md). Built only from the policy's own fields: never a
 * token, header, URL, query string, body or key.
 */
export interface LogRecord {
  readonly schema: typeof LOG_SCHEMA;
  readonly 'event.name': 'm365_tls_policy.violation' | 'm365_tls_policy.connection' | 'm365_tls_policy.finding';
  /** ISO 8601 time of the event (named so that a logger's own `time` never clashes with it). */
  readonly timestamp: string;
  readonly [field: string]: unknown;
}

/** The record schema version. */
export const LOG_SCHEMA = 'm365-tls-policy/1';

function compact(record: Record<string, unknown>): LogRecord {
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
  return record as unknown as LogRecord;
}

export function violationRecord(v: PolicyViolation, mode: 'enforce' | 'report'): LogRecord {
  return compact({
    schema: LOG_SCHEMA,
    'event.name': 'm365_tls_policy.violation',
    timestamp: v.time,
    kind: v.kind,
    action: v.action,
    code: v.code,
    'error.type': v.code,
    nodeCode: v.nodeCode,
    options: v.options === undefined ? undefined : [...v.options],
    'server.address': v.host,
    'server.port': v.port,
    'tls.client.server_name': v.servername,
    'tls.protocol.name': v.protocol === undefined ? undefined : 'tls',
    'tls.protocol.version': otelTlsVersion(v.protocol),
    'tls.cipher': v.cipher,
    'm365.service': serviceOf(v.host),
    mode,
  });
}

export function connectionRecord(e: SecureConnectionEvent, mode: 'enforce' | 'report'): LogRecord {
  return compact({
    schema: LOG_SCHEMA,
    'event.name': 'm365_tls_policy.connection',
    timestamp: e.time,
    'server.address': e.host,
    'server.port': e.port,
    'tls.client.server_name': e.servername,
    'tls.protocol.name': 'tls',
    'tls.protocol.version': otelTlsVersion(e.protocol),
    'tls.cipher': e.cipherStandardName ?? e.cipher,
    'tls.resumed': e.sessionReused,
    'm365.service': serviceOf(e.host),
    mode,
  });
}

export function findingRecord(f: RuntimeFinding, time: string): LogRecord {
  return compact({
    schema: LOG_SCHEMA,
    'event.name': 'm365_tls_policy.finding',
    timestamp: time,
    id: f.id,
    severity: f.severity,
    fix: f.fix,
  });
}
