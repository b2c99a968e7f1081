/**
 * `node --import m365-tls-policy/register app.js` (or `--require` for CommonJS): installs the
 * policy process-wide before the application's first line runs, configured by
 * M365_TLS_POLICY_MODE, M365_TLS_POLICY_MIN_VERSION, M365_TLS_POLICY_HOSTS and M365_TLS_POLICY_LOG.
 */
import { registerFromEnvironment } from './process/register-env.js';

try {
  registerFromEnvironment();
} catch (error) {
  // Stop at start-up with one clear line: running on without the policy would be a silent
  // downgrade of exactly what this module was asked to guarantee.
  process.stderr.write(`m365-tls-policy/register: ${(error as Error).message}\n`);
  process.exit(1);
}
