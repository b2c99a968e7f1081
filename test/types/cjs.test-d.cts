// CommonJS consumer (.cts, module nodenext): `import x = require()` resolves the "require"
// branch of the exports map, dist/commonjs/*.d.ts. Checked by `npm run test:types`, never run.
import { expectTypeOf } from 'expect-type';
import m365 = require('m365-tls-policy');
import testing = require('m365-tls-policy/testing');

expectTypeOf(m365.createTlsPolicy()).toEqualTypeOf<m365.TlsPolicy>();
expectTypeOf<m365.TlsPolicy['minVersion']>().toEqualTypeOf<'TLSv1.2' | 'TLSv1.3'>();
expectTypeOf(m365.createHttpsAgent()).toHaveProperty('policy').toEqualTypeOf<m365.TlsPolicy>();
expectTypeOf(m365.checkTlsPolicy('graph.microsoft.com')).toEqualTypeOf<m365.PolicyReport>();
expectTypeOf(m365.isTlsPolicyError).guards.toEqualTypeOf<m365.TlsPolicyError>();
expectTypeOf(testing.startTlsServer).returns.resolves.toEqualTypeOf<testing.TestTlsServer>();

// @ts-expect-error TLS 1.0 is not a floor a policy accepts
m365.createTlsPolicy({ minVersion: 'TLSv1' });
