import { describe, expect, it } from 'vitest';
import { orderKeychain, readKeychainSection } from '../../src/core/keychain-section.js';

const section = (entries: unknown[]) => readKeychainSection({ keychain: entries });

describe('keychain section order', () => {
  it('keeps declaration order: an entry may use only entries declared above it (as lint keychain-order says)', () => {
    const specs = section([
      { name: 'creds', kind: 'secrets', provider: 'gcp', map: { client_id: '{{ workload.path }}' } },
      { name: 'other', kind: 'static', map: { x: '{{ keychain.creds.client_id }}' } },
      { name: 'token', kind: 'oauth2', endpoint: 'https://a/token', data: { client_id: '{{ keychain.creds.client_id }}', s: "{{ keychain['other'].x }}" } },
      { name: 'independent', kind: 'static', map: { a: 1 } },
    ]);
    expect(specs.find((s) => s.name === 'token')?.dependsOn.sort()).toEqual(['creds', 'other']);
    expect(orderKeychain(specs).map((s) => s.name)).toEqual(['creds', 'other', 'token', 'independent']);
    const forward = section([
      { name: 'token', kind: 'oauth2', endpoint: 'https://a/token', data: { client_id: '{{ keychain.creds.client_id }}' } },
      { name: 'creds', kind: 'static', map: { client_id: 'a' } },
    ]);
    expect(() => orderKeychain(forward)).toThrow("keychain entry 'token' uses 'creds', which is declared after it; move 'creds' above 'token'");
  });

  it('names a cycle', () => {
    const specs = section([
      { name: 'a', kind: 'static', map: { x: '{{ keychain.b.x }}' } },
      { name: 'b', kind: 'static', map: { x: '{{ keychain.c.x }}' } },
      { name: 'c', kind: 'static', map: { x: '{{ keychain.a.x }}' } },
    ]);
    expect(() => orderKeychain(specs)).toThrow('keychain entries depend on each other in a cycle: a → b → c → a');
    expect(() => orderKeychain(section([{ name: 's', kind: 'static', map: { x: '{{ keychain.s.x }}' } }]))).toThrow('cycle: s → s');
  });

  it('refuses unknown kinds, unknown references, duplicates and bad scopes (exit 2)', () => {
    expect(() => section([{ name: 'x', kind: 'kerberos_ticket' }])).toThrow(/^keychain entry 'x': unknown keychain kind 'kerberos_ticket'; one of: secret_manager, secrets, oauth2, .*google_id_token$/);
    expect(() => section([{ name: 'x', kind: 'static', map: { a: '{{ keychain.nope.a }}' } }])).toThrow("keychain entry 'x' refers to keychain.nope");
    expect(() => section([{ name: 'x', kind: 'static' }, { name: 'x', kind: 'static' }])).toThrow(/defined twice/);
    expect(() => section([{ name: 'x', kind: 'static', scope: 'everyone' }])).toThrow(/scope 'everyone'/);
    let caught: unknown;
    try {
      section([{ name: 'x' }]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'invalid' });
  });
});
