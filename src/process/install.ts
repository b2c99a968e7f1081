import * as http from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import * as net from 'node:net';
import tls from 'node:tls';
import { planConnection, plannedBy } from '../engine/plan.js';
import { portOf } from '../engine/port.js';
import { sharedState } from '../engine/registry.js';
import { guardSocket, isGuarded } from '../engine/socket-guard.js';
import type { TlsPolicyOptions } from '../policy/options.js';
import type { TlsOptionsLike } from '../policy/tls-options.js';
import { actionFor, makeViolation } from '../policy/violations.js';
import { toPolicy, type TlsPolicy } from '../tls-policy.js';
import { auditRuntime } from './runtime-audit.js';

// One installation per process, shared by every copy of this package (ESM and CommonJS, or a
// bundled copy): it lives in the registry's shared state (engine/registry.ts).

interface Installation {
  policy: TlsPolicy;
  readonly originalConnect: Connect;
  readonly patchedConnect: Connect;
  readonly originalAddRequest: AddRequest;
  readonly patchedAddRequest: AddRequest;
  readonly uninstall: () => void;
}

const installed = (): Installation | undefined => sharedState().installation as Installation | undefined;
// Agent#addRequest is public in Node but absent from its type declarations.
type AddRequest = (this: http.Agent, req: http.ClientRequest, options: http.RequestOptions, ...rest: unknown[]) => void;
type AgentPrototype = { addRequest: AddRequest };
type Connect = (options: object, callback?: () => void) => tls.TLSSocket;
const agentPrototype = http.Agent.prototype as unknown as AgentPrototype;

/** The installed policy, if any. */
export function installedTlsPolicy(): TlsPolicy | undefined {
  return installed()?.policy;
}

/**
 * Applies the policy to every outbound TLS connection of the process: `tls.connect` itself
 * is wrapped (so https, every agent, Node's fetch, undici, nodemailer and raw `tls.connect`
 * go through it, ESM named imports included), and keep-alive sockets pooled before the
 * install are never reused. Returns an uninstall function that restores everything.
 * Installing again replaces the policy; it never stacks.
 */
export function installTlsPolicy(policyOrOptions?: TlsPolicy | TlsPolicyOptions): () => void {
  const policy = toPolicy(policyOrOptions);
  portOf(policy); // a policy from an incompatible copy of the package is refused here
  const state = sharedState();
  const existing = installed();
  if (existing !== undefined) {
    existing.policy = policy;
    reportRuntime(policy);
    return existing.uninstall;
  }
  const originalConnect = tls.connect as unknown as Connect;
  const originalAddRequest = agentPrototype.addRequest;

  const patchedConnect = function connect(this: unknown, ...args: unknown[]): tls.TLSSocket {
    const current = installed()?.policy;
    const { options, callback } = connectArgs(args);
    if (current === undefined) return originalConnect.call(tls, options, callback);
    const port = portOf(current);
    // Already watched by this policy (its agent or dispatcher made it): once is enough.
    if (plannedBy(options, port)) return originalConnect.call(tls, options, callback);
    const plan = planConnection(port, options);
    if (plan.refused !== undefined) return refusedSocket(plan.refused);
    const socket = originalConnect.call(tls, plan.options, callback);
    guardSocket(port, socket, plan);
    return socket;
  };

  // Agents found holding no socket from before this install need no look on later requests:
  // every socket they open from now on goes through the wrapper.
  const cleanAgents = new WeakSet<http.Agent>();
  const patchedAddRequest = function addRequest(
    this: http.Agent,
    req: http.ClientRequest,
    options: http.RequestOptions,
    ...rest: unknown[]
  ): void {
    if (!cleanAgents.has(this) && dropUnguardedFreeSockets(this)) cleanAgents.add(this);
    originalAddRequest.call(this, req, options, ...rest);
  };

  const installation: Installation = {
    policy,
    originalConnect,
    patchedConnect,
    originalAddRequest,
    patchedAddRequest,
    uninstall: () => {
      if (state.installation !== installation) return;
      state.installation = undefined;
      // Put back what we replaced, unless someone wrapped it after us: then our wrapper stays
      // in their chain and passes straight through (no installation is found any more).
      if ((tls.connect as unknown) === patchedConnect) tls.connect = originalConnect as unknown as typeof tls.connect;
      if (agentPrototype.addRequest === patchedAddRequest) agentPrototype.addRequest = originalAddRequest;
      syncBuiltinESMExports();
    },
  };
  state.installation = installation;
  tls.connect = patchedConnect as unknown as typeof tls.connect;
  agentPrototype.addRequest = patchedAddRequest;
  // `import { connect } from 'node:tls'` is a live binding only after this call.
  syncBuiltinESMExports();
  reportRuntime(policy);
  return installation.uninstall;
}

/** tls.connect's argument forms: (options[, cb]) or (port[, host][, options][, cb]). */
function connectArgs(args: unknown[]): { options: TlsOptionsLike; callback: (() => void) | undefined } {
  const callback = typeof args[args.length - 1] === 'function' ? (args[args.length - 1] as () => void) : undefined;
  const [first, second, third] = args;
  if (typeof first === 'object' && first !== null) return { options: { ...(first as TlsOptionsLike) }, callback };
  const options: TlsOptionsLike = {};
  const rest = typeof second === 'string' ? third : second;
  if (typeof rest === 'object' && rest !== null) Object.assign(options, rest);
  if (first !== undefined && typeof first !== 'function') options.port = first as number;
  if (typeof second === 'string') options.host = second;
  return { options, callback };
}

/** tls.connect must return a socket: a refused connection gets one that fails at once. */
function refusedSocket(error: Error): tls.TLSSocket {
  const socket = new tls.TLSSocket(new net.Socket());
  process.nextTick(() => socket.destroy(error));
  return socket;
}

/**
 * Keep-alive sockets made before the install were never checked: close them instead of
 * reusing them. Returns true when the agent holds no such socket any more, busy ones
 * included (a busy one would come back to the pool later).
 */
function dropUnguardedFreeSockets(agent: http.Agent): boolean {
  const free = agent.freeSockets as Record<string, net.Socket[] | undefined>;
  for (const name of Object.keys(free)) {
    const list = free[name];
    if (list === undefined) continue;
    for (let i = list.length - 1; i >= 0; i--) {
      const socket = list[i];
      if (socket instanceof tls.TLSSocket && !isGuarded(socket)) {
        list.splice(i, 1);
        socket.destroy();
      }
    }
    if (list.length === 0) delete free[name];
  }
  const busy = agent.sockets as Record<string, net.Socket[] | undefined>;
  for (const name of Object.keys(busy)) {
    if (busy[name]?.some((socket) => socket instanceof tls.TLSSocket && !isGuarded(socket))) return false;
  }
  return true;
}

/** The runtime audit, emitted once per install as `weak-runtime` violations. */
function reportRuntime(policy: TlsPolicy): void {
  const findings = auditRuntime().filter((f) => f.severity === 'high' || f.severity === 'medium');
  if (findings.length === 0) return;
  const action = actionFor(policy.mode, 'override');
  portOf(policy).sink.violations(
    findings.map((f) =>
      makeViolation({ host: '(process)' }, { kind: 'weak-runtime', detail: `${f.message}; fix: ${f.fix}`, options: [f.id], action }),
    ),
  );
}
