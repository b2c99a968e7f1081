/**
 * m365-tls-policy/testing: loopback servers that pose as Microsoft 365, an on-path downgrade
 * proxy, and assertions, for testing a service's TLS policy. Never loaded by the main entry.
 */
export { startTlsServer, type RecordedRequest, type TestTlsServer, type TestTlsServerOptions, type TlsVersionName } from './tls-server.js';
export {
  DOWNGRADE_ATTACKS,
  startDowngradeProxy,
  type DowngradeAttack,
  type DowngradeProxy,
  type DowngradeProxyOptions,
} from './downgrade-proxy.js';
export { expectNegotiated, expectRefused, findTlsPolicyError, type NegotiatedSource } from './assertions.js';
export {
  issueTestCertificate,
  MICROSOFT_365_LEAF,
  MICROSOFT_365_NAMES,
  OTHER_LEAF,
  OTHER_NAMES,
  TESTING_CA,
  type TestCertificate,
  type TestKeyType,
} from './certificates.js';
export { assertTlsPolicy, checkTlsPolicy } from '../tls-policy.js';
