// ESM consumer ("type": "module" package, module nodenext): resolves the "import" branch of the
// exports map, dist/esm/*.d.ts. Checked by `npm run test:types` (tsc), never run.
import { expectTypeOf } from 'expect-type';
import * as undici from 'undici';
import {
  assertTlsPolicy,
  checkTlsPolicy,
  createFetchDispatcher,
  createHttpsAgent,
  createTlsPolicy,
  installTlsPolicy,
  isPolicyAgent,
  isTlsPolicy,
  isTlsPolicyError,
  type PolicyHttpsAgent,
  type PolicyReport,
  type PolicyViolation,
  type SecureConnectionEvent,
  type TlsFloor,
  type TlsPolicy,
  type TlsPolicyError,
  type TlsPolicyErrorCode,
  type TlsPolicyOptions,
  type ViolationKind,
} from 'm365-tls-policy';
import { expectRefused, startTlsServer, type TestTlsServer } from 'm365-tls-policy/testing';

expectTypeOf(createTlsPolicy).parameter(0).toEqualTypeOf<TlsPolicyOptions | undefined>();
expectTypeOf(createTlsPolicy()).toEqualTypeOf<TlsPolicy>();
expectTypeOf<TlsPolicy['minVersion']>().toEqualTypeOf<TlsFloor>();
expectTypeOf<TlsFloor>().toEqualTypeOf<'TLSv1.2' | 'TLSv1.3'>();
expectTypeOf<TlsPolicy['mode']>().toEqualTypeOf<'enforce' | 'report'>();
expectTypeOf(createHttpsAgent()).toEqualTypeOf<PolicyHttpsAgent>();
expectTypeOf(createHttpsAgent()).toHaveProperty('policy').toEqualTypeOf<TlsPolicy>();
expectTypeOf(checkTlsPolicy('https://graph.microsoft.com/')).toEqualTypeOf<PolicyReport>();
expectTypeOf(assertTlsPolicy).returns.toBeVoid();
expectTypeOf(installTlsPolicy).returns.toEqualTypeOf<() => void>();
expectTypeOf<TlsPolicyError['code']>().toEqualTypeOf<TlsPolicyErrorCode>();
expectTypeOf<'ERR_TLS_POLICY_INCOMPATIBLE_COPY'>().toExtend<TlsPolicyErrorCode>();
expectTypeOf(isTlsPolicyError).guards.toEqualTypeOf<TlsPolicyError>();
expectTypeOf(isTlsPolicy).guards.toEqualTypeOf<TlsPolicy>();
expectTypeOf(isPolicyAgent).guards.toEqualTypeOf<PolicyHttpsAgent>();
expectTypeOf<PolicyViolation['kind']>().toEqualTypeOf<ViolationKind>();
expectTypeOf<SecureConnectionEvent['port']>().toEqualTypeOf<number | undefined>();
expectTypeOf(startTlsServer).returns.resolves.toEqualTypeOf<TestTlsServer>();
expectTypeOf(expectRefused).returns.resolves.toEqualTypeOf<TlsPolicyError>();

// The policy's events are typed.
createTlsPolicy().on('violation', (v) => expectTypeOf(v).toEqualTypeOf<PolicyViolation>());
createTlsPolicy().on('secure', (e) => expectTypeOf(e).toEqualTypeOf<SecureConnectionEvent>());
// The dispatcher is usable as fetch's `dispatcher` (Node's global fetch types).
void fetch('https://graph.microsoft.com/v1.0/', { dispatcher: createFetchDispatcher() } as RequestInit);
// With the undici module passed, it is typed as that undici's own Agent: its setGlobalDispatcher,
// fetch and request take it as they are.
const typed = createFetchDispatcher({ undici });
expectTypeOf(typed).toEqualTypeOf<undici.Agent>();
undici.setGlobalDispatcher(typed);
void undici.fetch('https://graph.microsoft.com/v1.0/', { dispatcher: typed });
void undici.request('https://graph.microsoft.com/v1.0/', { dispatcher: typed });

// Things that must not type-check.
// @ts-expect-error TLS 1.0 is not a floor a policy accepts
createTlsPolicy({ minVersion: 'TLSv1' });
// @ts-expect-error 'off' is not a mode (the register entry's M365_TLS_POLICY_MODE=off installs nothing instead)
createTlsPolicy({ mode: 'off' });
expectTypeOf<'TLSv1.1'>().not.toExtend<TlsFloor>();
