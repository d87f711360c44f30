/** What the envelope refuses to trust: a data key of another provider, decrypted text that is not JSON, a tampered ct on rotation. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EnvelopeError, open, rewrap, seal, type KeySet, type MasterKey } from '../../src/core/envelope.js';
import { requireSealedMode } from '../../src/backends/sql/sealed.js';
import { sealText } from './fixtures.js';

const key = (kv: string): MasterKey => ({ provider: 'local', kid: 'env:NOETL_ENCRYPTION_KEY', kv, key: randomBytes(32) });
const current = key('v1');
const keys: KeySet = { current, previous: [] };

function refusal(fn: () => unknown): EnvelopeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EnvelopeError);
    return err as EnvelopeError;
  }
  throw new Error('expected an EnvelopeError');
}

describe('opening an envelope', () => {
  it("checks the envelope's p: a data key wrapped by another provider is refused, a missing p is malformed", () => {
    const stored = JSON.parse(seal({ password: 'p' }, current));
    expect(open(JSON.stringify(stored), keys).value).toEqual({ password: 'p' });

    const kms = refusal(() => open(JSON.stringify({ ...stored, dek: { ...stored.dek, p: 'gcp-kms' } }), keys));
    expect(kms.reason).toBe('unsupported');
    expect(kms.message).toBe('its data key is wrapped by key provider "gcp-kms", and only local master keys are configured');

    const { p: _p, ...noProvider } = stored.dek;
    expect(refusal(() => open(JSON.stringify({ ...stored, dek: noProvider }), keys)).reason).toBe('malformed');
    expect(refusal(() => open(JSON.stringify({ ...stored, dek: { ...stored.dek, p: 7 } }), keys)).reason).toBe('malformed');
  });

  it('never quotes decrypted text that is not JSON', () => {
    const err = refusal(() => open(sealText('sk_live_LEAKED_SECRET_42', current), keys));
    expect(err.message).toBe('the decrypted data is not JSON');
    expect(err.message).not.toContain('sk_live');
  });
});

describe('re-wrapping (rotation)', () => {
  it('refuses a record whose ct was tampered with, and re-wraps a sound one', () => {
    const sound = seal({ secret: 's' }, current);
    const to = key('v2');
    const moved = rewrap(sound, keys, to);
    expect(moved).toBeDefined();
    expect(open(moved!, { current: to, previous: [] }).value).toEqual({ secret: 's' });

    const envelope = JSON.parse(sound);
    const ct = Buffer.from(envelope.ct, 'base64');
    ct[ct.length - 1] ^= 1;
    const tampered = JSON.stringify({ ...envelope, ct: ct.toString('base64') });
    const err = refusal(() => rewrap(tampered, keys, to));
    expect(err.reason).toBe('auth-failed');
  });
});

describe('strict mode (--require-sealed)', () => {
  it('is on with the flag, NOETL_REQUIRE_SEALED or require_sealed: true, and refuses values that are not yes/no', () => {
    expect(requireSealedMode(false, {}, undefined)).toBe(false);
    expect(requireSealedMode(true, {}, undefined)).toBe(true);
    expect(requireSealedMode(false, { NOETL_REQUIRE_SEALED: '1' }, undefined)).toBe(true);
    expect(requireSealedMode(false, { NOETL_REQUIRE_SEALED: 'false' }, undefined)).toBe(false);
    expect(requireSealedMode(false, {}, true)).toBe(true);
    expect(() => requireSealedMode(false, { NOETL_REQUIRE_SEALED: 'maybe' }, undefined)).toThrow(/NOETL_REQUIRE_SEALED="maybe" is not a yes\/no value/);
    expect(() => requireSealedMode(false, {}, 'yes')).toThrow('require_sealed in the config file must be true or false');
  });
});
