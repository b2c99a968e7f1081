import { syncBuiltinESMExports } from 'node:module';
import * as net from 'node:net';
import tls from 'node:tls';
import * as tlsNamespace from 'node:tls';
import { planConnection, plannerOf } from '../engine/plan.js';
import type { PolicyPort } from '../engine/port.js';
import { guardSocket } from '../engine/socket-guard.js';
import { weakerIn } from '../policy/compare.js';
import type { TlsOptionsLike } from '../policy/tls-options.js';
import { requireFromHere } from '../support/optional-require.js';

type Connect = (...args: unknown[]) => tls.TLSSocket;
interface ConnectModule {
  connect: Connect;
}

/**
 * Wraps `tls.connect` (and `_tls_wrap.connect`, the same function under its legacy name) so
 * that every TLS connection the process makes is planned and guarded by the installed policy.
 * `current()` names that policy at call time (none: the wrapper passes straight through).
 * Returns the function that puts the originals back.
 */
export function hookTlsConnect(current: () => PolicyPort | undefined): () => void {
  const modules = [tls as unknown as ConnectModule, tlsWrapModule()].filter((m): m is ConnectModule => m !== undefined);
  const restores = modules.map((module) => {
    const original = module.connect;
    const patched: Connect = function connect(this: unknown, ...args: unknown[]): tls.TLSSocket {
      const port = current();
      if (port === undefined) return original.apply(this, args);
      const { options, callback } = connectArgs(args);
      // Planned by this policy, or one at least as strict (its agent, dispatcher or
      // tlsConnect): that policy guards the socket; judging it twice adds nothing.
      const planner = plannerOf(options);
      if (planner !== undefined && (planner === port || weakerIn(planner.config, port.config).length === 0)) {
        return original.call(this, options, callback);
      }
      const plan = planConnection(port, options);
      if (plan.refused !== undefined) return refusedSocket(plan.refused);
      const socket = original.call(this, plan.options, callback);
      guardSocket(port, socket, plan);
      return socket;
    };
    module.connect = patched;
    return () => {
      // Put back what we replaced, unless someone wrapped it after us: then our wrapper stays
      // in their chain and passes straight through (no policy is installed any more).
      if (module.connect === patched) module.connect = original;
    };
  });
  // `import { connect } from 'node:tls'` is a live binding only after this call.
  syncBuiltinESMExports();
  return () => {
    for (const restore of restores) restore();
    syncBuiltinESMExports();
  };
}

/**
 * Does `import { connect } from 'node:tls'` see the wrapper? Node updates the bindings of
 * builtin modules on `syncBuiltinESMExports()`; Bun does not: there an ES module that imported
 * `connect` by name before the install keeps the original (the install reports it as a finding).
 */
export function namedImportsSeeWrapper(): boolean {
  return tlsNamespace.connect === tls.connect;
}

/**
 * `_tls_wrap`, where Node keeps its own copy of `connect`. Loaded without the deprecation
 * warning (DEP0192) that reading it emits on newer Node.js: the warning is about user code,
 * and the install would otherwise print it in every process.
 */
function tlsWrapModule(): ConnectModule | undefined {
  const saved = process.noDeprecation;
  try {
    process.noDeprecation = true;
    const module = requireFromHere()('_tls_wrap') as Partial<ConnectModule>;
    // The same function as tls.connect, but on another exports object: both must be wrapped.
    return typeof module.connect === 'function' ? (module as ConnectModule) : undefined;
  } catch {
    return undefined;
  } finally {
    if (saved === undefined) delete (process as { noDeprecation?: boolean }).noDeprecation;
    else process.noDeprecation = saved;
  }
}

/**
 * tls.connect's argument forms: (options[, cb]), (port[, host][, options][, cb]) and
 * (path[, options][, cb]) for a Unix socket: a string that is not a port number is a path.
 */
export function connectArgs(args: unknown[]): { options: TlsOptionsLike; callback: (() => void) | undefined } {
  const last = args[args.length - 1];
  const callback = typeof last === 'function' ? (last as () => void) : undefined;
  const [first, second, third] = args;
  if (typeof first === 'object' && first !== null) return { options: { ...(first as TlsOptionsLike) }, callback };
  const options: TlsOptionsLike = {};
  if (typeof first === 'string' && !/^\d+$/u.test(first)) {
    if (typeof second === 'object' && second !== null) Object.assign(options, second);
    options.path = first;
    return { options, callback };
  }
  const rest = typeof second === 'string' ? third : second;
  if (typeof rest === 'object' && rest !== null) Object.assign(options, rest);
  if (first !== undefined && typeof first !== 'function') options.port = Number(first);
  if (typeof second === 'string') options.host = second;
  return { options, callback };
}

/** tls.connect must return a socket: a refused connection gets one that fails at once. */
function refusedSocket(error: Error): tls.TLSSocket {
  const socket = new tls.TLSSocket(new net.Socket());
  process.nextTick(() => socket.destroy(error));
  return socket;
}
