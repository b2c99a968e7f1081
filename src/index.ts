/**
 * m365-tls-policy: TLS 1.2+ for every connection a Node.js service makes to Microsoft 365.
 * This file is the package's public face; nothing else is part of the API.
 */
export { createHttpsAgent, isPolicyAgent, type PolicyHttpsAgent, type PolicyHttpsAgentOptions } from './https-agent.js';
export { createFetchDispatcher, type FetchDispatcherOptions, type UndiciModule } from './fetch-dispatcher.js';
export {
  createMsalNetworkClient,
  type MsalNetworkClient,
  type MsalNetworkClientOptions,
  type MsalNetworkResponse,
} from './msal-network-client.js';
export { createTlsPolicy, isTlsPolicy, TlsPolicy, type TlsPolicyEvents } from './policy.js';
export type { TlsPolicyOptions } from './options.js';
export { checkTlsPolicy, assertTlsPolicy } from './check.js';
export type { CheckTarget } from './checker.js';
export { TlsPolicyError, isTlsPolicyError } from './errors.js';
export { installTlsPolicy, installedTlsPolicy } from './install.js';
export { auditRuntime, type RuntimeFinding } from './runtime-audit.js';
export { instrumentTlsPolicy, METRIC_CONNECTIONS, METRIC_VIOLATIONS, type MeterLike, type TlsPolicyMetricsOptions } from './otel-metrics.js';
export type { HostStats, TlsPolicyStats } from './policy-stats.js';
export { MICROSOFT_365_HOSTS, MICROSOFT_365_HOSTS_BY_CLOUD } from './microsoft365-hosts.js';
export { STRONG_TLS12_CIPHERS } from './ciphers.js';
export type {
  PolicyReport,
  PolicyViolation,
  SecureConnectionEvent,
  TlsFloor,
  TlsPolicyErrorCode,
  ViolationAction,
  ViolationKind,
} from './types.js';
