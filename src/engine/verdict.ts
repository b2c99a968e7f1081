import * as tls from 'node:tls';
import { classifyTlsError } from '../policy/classify.js';
import type { TlsPolicyError } from '../policy/errors.js';
import type { PolicyViolation } from '../policy/types.js';
import { actionFor, makeViolation, policyError, withAction } from '../policy/violations.js';
import type { ConnectionPlan } from './plan.js';
import type { PolicyPort } from './port.js';
import type { SessionWatch } from './sessions.js';
import { certificateInScope, inspectSocket } from './socket-checks.js';

/**
 * The verdict on a finished handshake of a planned connection: emits the violations (or the
 * 'secure' event) and returns the error to destroy the socket with, or undefined to let it
 * carry data. Fails closed: if the check itself throws, the connection is refused.
 */
export function judgeHandshake(
  port: PolicyPort,
  socket: tls.TLSSocket,
  plan: ConnectionPlan,
  sessions: SessionWatch,
): TlsPolicyError | undefined {
  try {
    return verifyHandshake(port, socket, plan, sessions);
  } catch (error) {
    // A throwing getter or an odd certificate: the policy cannot tell, so it refuses.
    sessions.failed();
    const v = makeViolation(plan.ctx, {
      kind: 'unverified-peer',
      detail: 'the policy could not verify the handshake, so it refused the connection',
      action: actionFor(port.config.mode, 'block'),
    });
    port.sink.violations([v]);
    return v.action === 'blocked' ? policyError([v], error) : undefined;
  }
}

function verifyHandshake(
  port: PolicyPort,
  socket: tls.TLSSocket,
  plan: ConnectionPlan,
  sessions: SessionWatch,
): TlsPolicyError | undefined {
  const { config } = port;
  const resumed = socket.isSessionReused();
  // The planner offers only sessions it has a record of, so a resumption without one means a
  // session reached the handshake past the policy: its scope and peer cannot be known.
  if (resumed && plan.resumes === undefined) {
    return refuse(port, sessions, [
      makeViolation(plan.ctx, { kind: 'unverified-peer', detail: 'the connection resumed a TLS session the policy did not see issued' }),
    ]);
  }
  // A resumed handshake shows no certificate: its scope is the one recorded when the session was issued.
  const inScope = plan.inScope || (plan.resumes !== undefined && resumed ? plan.resumes.inScope : certificateInScope(socket, config));
  if (!inScope) {
    keepSessions(port, plan, sessions, {
      inScope: false,
      identity: resumed ? plan.resumes?.identity : verifiedName(socket, plan.identity),
    });
    return undefined;
  }
  // The name is checked here for every connection, against the plan's identity (the in-scope
  // name, in report mode too): for hardened ones Node has checked the same name already, and
  // this second look costs microseconds beside a handshake.
  const { ctx, violations } = inspectSocket(socket, config, plan.ctx, { identity: plan.identity, resumed });
  if (violations.length > 0) return refuse(port, sessions, violations);
  // Passed: inspectSocket has just verified the certificate (authorized, present, naming
  // plan.identity) of a full handshake, so the name is not checked a second time here.
  keepSessions(port, plan, sessions, { inScope: true, identity: resumed ? plan.resumes?.identity : plan.identity });
  port.sink.secure({
    host: ctx.host,
    port: ctx.port,
    servername: ctx.servername,
    protocol: ctx.protocol ?? 'unknown',
    cipher: ctx.cipher ?? 'unknown',
    sessionReused: resumed,
    cipherStandardName: socket.getCipher()?.standardName,
    time: new Date().toISOString(),
  });
  return undefined;
}

/**
 * Keeps the socket's sessions for resumption only where its peer proved the name the session
 * will be offered for (`identity`, undefined when it did not): a resumed handshake skips every
 * certificate check, so a session of an unverified connection (an out-of-scope one with
 * `rejectUnauthorized: false`, say) must never be offered again. A resumed connection's new
 * sessions keep the record they resumed from.
 */
function keepSessions(
  port: PolicyPort,
  plan: ConnectionPlan,
  sessions: SessionWatch,
  verified: { inScope: boolean; identity: string | undefined },
): void {
  const { inScope, identity } = verified;
  if (identity === undefined) sessions.failed();
  else sessions.passed({ port, inScope: inScope || plan.resumes?.inScope === true, identity });
}

function verifiedName(socket: tls.TLSSocket, name: string | undefined): string | undefined {
  if (name === undefined || !socket.authorized) return undefined;
  return tls.checkServerIdentity(name, socket.getPeerCertificate()) === undefined ? name : undefined;
}

/** Reports the violations (blocked, or reported in report mode); none of the socket's sessions is kept. */
function refuse(port: PolicyPort, sessions: SessionWatch, violations: readonly PolicyViolation[]): TlsPolicyError | undefined {
  sessions.failed();
  return blockOrReport(port, violations);
}

/**
 * The one way the engine acts on violations it can block: marked blocked (enforce) or reported
 * (report), handed to the sink, and, when enforcing, the error to refuse the connection with.
 */
export function blockOrReport(port: PolicyPort, violations: readonly PolicyViolation[]): TlsPolicyError | undefined {
  const acted = withAction(violations, actionFor(port.config.mode, 'block'));
  port.sink.violations(acted);
  return port.config.mode === 'enforce' ? policyError(acted) : undefined;
}

/**
 * A handshake failure of a planned in-scope connection, read by the policy: reported, and
 * replaced by a TlsPolicyError (Node's error as its `cause`) when enforcing. Failures the
 * policy has nothing to say about (DNS, refused, reset) come back unchanged.
 */
export function failureToViolation(port: PolicyPort, plan: ConnectionPlan, error: Error): Error {
  const { config } = port;
  const reading = classifyTlsError(error, config.mode === 'enforce' && config.ciphers === 'strong');
  if (reading === undefined) return error;
  const v = makeViolation(plan.ctx, {
    kind: reading.kind,
    detail: reading.detail,
    nodeCode: reading.nodeCode,
    action: actionFor(config.mode, 'block'),
  });
  port.sink.violations([v]);
  return v.action === 'blocked' ? policyError([v], error) : error;
}
