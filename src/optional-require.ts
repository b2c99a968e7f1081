import { createRequire } from 'node:module';

declare const require: NodeJS.Require | undefined;

/**
 * A `require` that resolves from this package's own location, in both builds, for optional
 * peers (undici) loaded only when a feature that needs them is used. The CommonJS build has
 * a module-local `require`. The ESM build cannot name `import.meta` (the same source also
 * compiles to CommonJS), so it asks V8 for the file of this very function: the call site API
 * reports the module's file URL, which createRequire accepts.
 */
function requireFromHere(): NodeJS.Require {
  if (typeof require === 'function') return require;
  const saved = Error.prepareStackTrace;
  const savedLimit = Error.stackTraceLimit;
  let file: string | undefined;
  try {
    Error.stackTraceLimit = 1;
    Error.prepareStackTrace = (_error, sites) => sites;
    const sites = new Error().stack as unknown as NodeJS.CallSite[] | undefined;
    file = sites?.[0]?.getFileName() ?? undefined;
  } finally {
    Error.prepareStackTrace = saved;
    Error.stackTraceLimit = savedLimit;
  }
  return createRequire(file ?? `${process.cwd()}/`);
}

/** Loads an optional peer dependency, or returns undefined when it is not installed. */
export function loadOptional<T>(name: string): T | undefined {
  try {
    return requireFromHere()(name) as T;
  } catch (error) {
    if ((error as { code?: string }).code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes(`'${name}'`)) return undefined;
    throw error;
  }
}
