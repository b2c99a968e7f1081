import { describe, TlsPolicyError } from '../policy/errors.js';
import { MODES, oneOf, TLS_FLOORS } from '../policy/options.js';
import { compileScope } from '../policy/scope.js';
import { installTlsPolicy } from './install.js';

/** M365_TLS_POLICY_LOG: NDJSON records on stderr, for violations and findings (and passed connections). */
const LOG_VALUES = ['off', 'json', 'json+connections'] as const;

/** A variable's value; empty counts as unset. */
const read = (env: NodeJS.ProcessEnv, name: string): string | undefined => (env[name] === '' ? undefined : env[name]);

/**
 * Reads the policy from the environment and installs it process-wide; `off` installs nothing.
 * A bad value throws, naming the variable: the process must never start believing it is
 * protected when it is not.
 */
export function registerFromEnvironment(env: NodeJS.ProcessEnv = process.env): (() => void) | undefined {
  const mode = oneOf('M365_TLS_POLICY_MODE', read(env, 'M365_TLS_POLICY_MODE'), [...MODES, 'off'], 'enforce');
  const minVersion = oneOf('M365_TLS_POLICY_MIN_VERSION', read(env, 'M365_TLS_POLICY_MIN_VERSION'), TLS_FLOORS, 'TLSv1.2');
  const log = oneOf('M365_TLS_POLICY_LOG', read(env, 'M365_TLS_POLICY_LOG'), LOG_VALUES, 'off');
  const warnings = oneOf('M365_TLS_POLICY_WARNINGS', read(env, 'M365_TLS_POLICY_WARNINGS'), ['on', 'off'], 'on');
  const rawHosts = env['M365_TLS_POLICY_HOSTS'] ?? '';
  const extraHosts = rawHosts
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h.length > 0);
  if (mode === 'off') return undefined;
  for (const host of extraHosts) {
    try {
      compileScope([host], []);
    } catch {
      throw new TlsPolicyError(
        'ERR_TLS_POLICY_INVALID_OPTION',
        `M365_TLS_POLICY_HOSTS: ${describe(host)} is not a host pattern; use comma-separated names ('mail.contoso.com') or wildcards ('*.contoso.com')`,
      );
    }
  }
  return installTlsPolicy({
    mode,
    minVersion,
    extraHosts,
    warnings: warnings === 'on',
    ...(log === 'off' ? {} : { logger: 'json' as const, logConnections: log === 'json+connections' }),
  });
}
