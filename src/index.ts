/**
 * m365-tls-policy: TLS 1.2+ for every connection a Node.js service makes to Microsoft 365.
 * This file is the package's public face; nothing else is part of the API.
 */
export { createHttpsAgent, isPolicyAgent, type PolicyHttpsAgent, type PolicyHttpsAgentOptions } from './adapters/https-agent.js';
export {
  createFetchDispatcher,
  type FetchDispatcherOptions,
  type NodeFetchDispatcher,
  type UndiciModule,
} from './adapters/fetch-dispatcher.js';
export {
  createMsalNetworkClient,
  type MsalNetworkClient,
  type MsalNetworkClientOptions,
  type MsalNetworkResponse,
} from './adapters/msal-network-client.js';
export { assertTlsPolicy, checkTlsPolicy, createTlsPolicy, isTlsPolicy, TlsPolicy, type TlsPolicyEvents } from './tls-policy.js';
export type { TlsPolicyOptions } from './policy/options.js';
export type { CheckTarget } from './engine/checker.js';
export { TlsPolicyError, isTlsPolicyError } from './policy/errors.js';
export { isTlsPolicyWarning, type TlsPolicyWarning } from './observe/warnings.js';
export { installTlsPolicy, installedTlsPolicy } from './process/install.js';
export { auditRuntime, type RuntimeFinding } from './process/runtime-audit.js';
export {
  instrumentTlsPolicy,
  METRIC_CONNECTIONS,
  METRIC_VIOLATIONS,
  type MeterLike,
  type TlsPolicyMetricsOptions,
} from './adapters/otel-metrics.js';
export type { HostStats, TlsPolicyStats } from './observe/policy-stats.js';
export { MICROSOFT_365_HOSTS, MICROSOFT_365_HOSTS_BY_CLOUD } from './policy/microsoft365-hosts.js';
export { STRONG_TLS12_CIPHERS } from './policy/ciphers.js';
export type {
  PolicyReport,
  PolicyViolation,
  SecureConnectionEvent,
  TlsFloor,
  TlsPolicyErrorCode,
  ViolationAction,
  ViolationKind,
} from './policy/types.js';
