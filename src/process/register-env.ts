import { TlsPolicyError, describe, isTlsPolicyError } from '../policy/errors.js';
import { installTlsPolicy } from './install.js';
import type { TlsPolicyOptions } from '../policy/options.js';

/** The environment variables `m365-tls-policy/register` reads. */
export const REGISTER_VARIABLES = ['M365_TLS_POLICY_MODE', 'M365_TLS_POLICY_MIN_VERSION', 'M365_TLS_POLICY_HOSTS'] as const;

function oneOf(name: string, value: string | undefined, allowed: readonly string[], fallback: string): string {
  if (value === undefined || value === '') return fallback;
  if (allowed.includes(value)) return value;
  throw new TlsPolicyError('ERR_TLS_POLICY_INVALID_OPTION', `${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')} (got ${describe(value)})`);
}

/**
 * Reads the policy from the environment and installs it process-wide; `off` installs nothing.
 * A bad value throws, naming the variable: the process must never start believing it is
 * protected when it is not.
 */
export function registerFromEnvironment(env: NodeJS.ProcessEnv = process.env): (() => void) | undefined {
  const mode = oneOf('M365_TLS_POLICY_MODE', env['M365_TLS_POLICY_MODE'], ['enforce', 'report', 'off'], 'enforce');
  const minVersion = oneOf('M365_TLS_POLICY_MIN_VERSION', env['M365_TLS_POLICY_MIN_VERSION'], ['TLSv1.2', 'TLSv1.3'], 'TLSv1.2');
  const rawHosts = env['M365_TLS_POLICY_HOSTS'] ?? '';
  const extraHosts = rawHosts.split(',').map((h) => h.trim()).filter((h) => h.length > 0);
  if (mode === 'off') return undefined;
  const options: TlsPolicyOptions = { mode: mode as 'enforce' | 'report', minVersion: minVersion as 'TLSv1.2' | 'TLSv1.3', extraHosts };
  try {
    return installTlsPolicy(options);
  } catch (error) {
    if (isTlsPolicyError(error) && error.message.startsWith('policy.extraHosts')) {
      const index = Number(/\[(\d+)\]/u.exec(error.message)?.[1] ?? 0);
      throw new TlsPolicyError('ERR_TLS_POLICY_INVALID_OPTION', `M365_TLS_POLICY_HOSTS: ${describe(extraHosts[index])} is not a host pattern; use comma-separated names ('mail.contoso.com') or wildcards ('*.contoso.com')`);
    }
    throw error;
  }
}
