import type { LogRecord } from './records.js';

import type { LoggerLike } from '../policy/options.js';

export type { LoggerLike };

export type LogLevel = 'warn' | 'info' | 'debug';
/** Writes one record at a level, with a one-line message. */
export type LogTarget = (level: LogLevel, message: string, record: LogRecord) => void;

/**
 * Adapts a logger to the one way the policy writes: each library's own calling convention, so
 * the record's fields land as structured fields, not inside a string.
 * - pino and bunyan: `logger.warn(fields, message)`;
 * - winston: `logger.warn(message, fields)` (its meta argument);
 * - console and the like: `console.warn(message, fields)`;
 * - `'json'`: one NDJSON line on stderr (`{ level, message, ...fields }`).
 */
export function toLogTarget(logger: LoggerLike | 'json'): LogTarget {
  if (logger === 'json') {
    return (level, message, record) => {
      process.stderr.write(`${JSON.stringify({ level, message, ...record })}\n`);
    };
  }
  const fieldsFirst = isPinoOrBunyan(logger);
  return (level, message, record) => {
    const method = logger[level] ?? logger.warn;
    if (fieldsFirst) method.call(logger, record, message);
    else method.call(logger, message, record);
  };
}

// pino loggers carry `bindings()` and a numeric `levelVal`; bunyan ones `streams` and `fields`.
function isPinoOrBunyan(logger: LoggerLike): boolean {
  const l = logger as { bindings?: unknown; levelVal?: unknown; streams?: unknown; fields?: unknown };
  return (typeof l.bindings === 'function' && typeof l.levelVal === 'number') || (Array.isArray(l.streams) && typeof l.fields === 'object');
}
