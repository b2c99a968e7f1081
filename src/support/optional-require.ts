import { createRequire } from 'node:module';
import { isAbsolute } from 'node:path';

declare const __filename: string | undefined;

/**
 * A `require` that resolves from this package's own location, in both builds, for optional
 * peers (undici) and lazily loaded dependencies. The CommonJS build has `__filename`. The ESM
 * build cannot name `import.meta` (the same source also compiles to CommonJS), so it asks V8
 * for the file of this very function: the call site API reports the module's file URL, which
 * createRequire accepts. (The bare name `require` is avoided: the ESM bundler shims it.)
 */
export function requireFromHere(): NodeJS.Require {
  if (cached !== undefined) return cached;
  // `__filename` is this module's own only in the CommonJS build, where it is an absolute path;
  // elsewhere a global of that name (`node -e` defines '[eval]') must not be taken for it.
  cached =
    typeof __filename === 'string' && isAbsolute(__filename)
      ? createRequire(__filename)
      : createRequire(ownFileUrl() ?? `${process.cwd()}/`);
  return cached;
}

let cached: NodeJS.Require | undefined;

function ownFileUrl(): string | undefined {
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
  return file;
}

/** Loads an optional peer dependency, or returns undefined when it is not installed. */
export function loadOptional<T>(name: string): T | undefined {
  try {
    return requireFromHere()(name) as T;
  } catch (error) {
    if ((error as { code?: string }).code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes(`'${name}'`))
      return undefined;
    throw error;
  }
}
