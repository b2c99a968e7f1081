import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTlsPolicyError, TlsPolicyError, type TlsPolicyErrorCode } from '../src/index.js';

const CODES: TlsPolicyErrorCode[] = [
  'ERR_TLS_POLICY_VERSION',
  'ERR_TLS_POLICY_DOWNGRADE',
  'ERR_TLS_POLICY_CIPHER',
  'ERR_TLS_POLICY_INSECURE_OPTIONS',
  'ERR_TLS_POLICY_UNVERIFIED',
  'ERR_TLS_POLICY_INVALID_OPTION',
  'ERR_TLS_POLICY_MISSING_DEPENDENCY',
  'ERR_TLS_POLICY_INCOMPATIBLE_COPY',
  'ERR_TLS_POLICY_UNSUPPORTED_RUNTIME',
];

describe('TlsPolicyError', () => {
  for (const code of CODES) {
    it(`${code}: name, code, message, host, port, cause, frozen violations`, () => {
      const cause = Object.assign(new Error('openssl said no'), { code: 'ERR_SSL_X' });
      const e = new TlsPolicyError(code, 'why', { host: 'graph.microsoft.com', port: 443, cause, violations: [] });
      assert.equal(e.name, 'TlsPolicyError');
      assert.equal(e.code, code);
      assert.equal(e.message, 'why');
      assert.equal(e.host, 'graph.microsoft.com');
      assert.equal(e.port, 443);
      assert.equal(e.cause, cause);
      assert.ok(Object.isFrozen(e.violations));
      assert.ok(e instanceof Error);
      assert.ok(e instanceof TlsPolicyError);
      assert.ok(isTlsPolicyError(e));
    });
  }

  it('is recognised by brand, not by class identity (another copy of the package)', () => {
    const foreign = new Error('from the other copy');
    Object.defineProperty(foreign, Symbol.for('m365-tls-policy.TlsPolicyError'), { value: true });
    assert.ok(isTlsPolicyError(foreign));
    assert.ok(foreign instanceof TlsPolicyError);
    for (const value of [new Error('plain'), { code: 'ERR_TLS_POLICY_VERSION' }, null, undefined, 'ERR_TLS_POLICY_VERSION']) {
      assert.equal(isTlsPolicyError(value), false);
    }
  });
});
