import { TlsPolicyError } from './errors.js';
import type { PolicyViolation, TlsPolicyErrorCode, ViolationAction, ViolationKind } from './types.js';

/** Where a violation happened: the facts a log line and an error message carry. */
export interface ViolationContext {
  readonly host: string;
  readonly port?: number | undefined;
  readonly servername?: string | undefined;
  readonly protocol?: string | undefined;
  readonly cipher?: string | undefined;
}

/** The one kind → error code table. */
export const CODE_OF: Readonly<Record<ViolationKind, TlsPolicyErrorCode>> = {
  'legacy-server': 'ERR_TLS_POLICY_VERSION',
  'below-floor': 'ERR_TLS_POLICY_VERSION',
  'downgrade-attack': 'ERR_TLS_POLICY_DOWNGRADE',
  'weak-cipher': 'ERR_TLS_POLICY_CIPHER',
  'insecure-options': 'ERR_TLS_POLICY_INSECURE_OPTIONS',
  'unverified-peer': 'ERR_TLS_POLICY_UNVERIFIED',
  'weak-runtime': 'ERR_TLS_POLICY_INSECURE_OPTIONS',
};

/** How the policy answers a violation it can act on: refuse the connection, or raise the options. */
export type Response = 'block' | 'override';

/**
 * The one mode → action mapping. Report mode only ever reports; enforce mode blocks, or
 * overrides where the violation is a caller's option the policy can raise to its own.
 */
export function actionFor(mode: 'enforce' | 'report', response: Response): ViolationAction {
  if (mode === 'report') return 'reported';
  return response === 'block' ? 'blocked' : 'overridden';
}

// Host names, server names and codes reach logs and messages; some are chosen by the peer or
// by whoever built the request. Anything outside this plain set is JSON-quoted, so a CR/LF or
// an ANSI escape can never start a new, forged log line; long values are cut.
const PLAIN = /^[A-Za-z0-9._:*()[\]-]{1,253}$/u;

/** A value made safe to print in one log line or message. */
export function safeField(value: unknown): string {
  const text = String(value);
  if (PLAIN.test(text)) return text;
  const cut = text.length > 253 ? `${text.slice(0, 253)}...` : text;
  return JSON.stringify(cut).replace(/[\u0080-\uffff]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export interface ViolationDetails {
  readonly kind: ViolationKind;
  readonly detail: string;
  readonly action?: ViolationAction | undefined;
  readonly options?: readonly string[] | undefined;
  readonly nodeCode?: string | undefined;
}

/** Builds a frozen violation whose message is made only of safe, already-known fields. */
export function makeViolation(ctx: ViolationContext, d: ViolationDetails): PolicyViolation {
  const where = ctx.port === undefined ? safeField(ctx.host) : `${safeField(ctx.host)}:${ctx.port}`;
  const v: { -readonly [K in keyof PolicyViolation]: PolicyViolation[K] } = {
    kind: d.kind,
    code: CODE_OF[d.kind],
    host: ctx.host,
    time: new Date().toISOString(),
    message: `${where}: ${d.detail}`,
  };
  if (d.action !== undefined) v.action = d.action;
  if (ctx.port !== undefined) v.port = ctx.port;
  if (ctx.servername !== undefined) v.servername = ctx.servername;
  if (ctx.protocol !== undefined) v.protocol = ctx.protocol;
  if (ctx.cipher !== undefined) v.cipher = ctx.cipher;
  if (d.options !== undefined && d.options.length > 0) v.options = Object.freeze([...d.options]);
  if (d.nodeCode !== undefined) v.nodeCode = d.nodeCode;
  return Object.freeze(v);
}

/** The same violations, marked with what the policy did about them. */
export function withAction(violations: readonly PolicyViolation[], action: ViolationAction): PolicyViolation[] {
  return violations.map((v) => Object.freeze({ ...v, action }));
}

/** One error for one or more violations; its code is the first violation's. */
export function policyError(
  violations: readonly PolicyViolation[],
  cause?: unknown,
  intro = 'TLS policy refused the connection',
): TlsPolicyError {
  const first = violations[0];
  if (first === undefined) throw new TypeError('policyError needs at least one violation');
  const lines = violations.map(
    (v) => `${v.kind}: ${v.message}${v.options ? ` [${v.options.join(', ')}]` : ''}${v.nodeCode ? ` (${v.nodeCode})` : ''}`,
  );
  const message = lines.length === 1 ? `${intro}: ${lines[0]}` : `${intro}:\n  - ${lines.join('\n  - ')}`;
  return new TlsPolicyError(first.code, message, { host: first.host, port: first.port, violations, cause });
}
