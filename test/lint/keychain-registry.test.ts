/** The keychain rules take their kind knowledge from the registry (src/core/keychain-kinds), kind by kind. */
import { describe, expect, it } from 'vitest';
import { KEYCHAIN_COMMON_KEYS, KEYCHAIN_KIND_NAMES, KEYCHAIN_KINDS, RENEWABLE_KINDS } from '../../src/core/keychain-kinds/index.js';
import { RULES_BY_ID } from '../../src/lint/rules/index.js';
import { lint, messages } from './helpers.js';

const entry = (kind: string, body = '') => `kind: Playbook\nkeychain:\n  - name: e\n    kind: ${kind}\n${body}`;

/** The smallest entry of each kind that meets its requirements. */
const MINIMAL: Record<string, string> = {
  secret_manager: '    provider: gcp\n    auth: x\n    map: {a: projects/1/secrets/a}\n',
  oauth2: '    endpoint: https://auth.example.com/token\n',
  http: '    endpoint: https://api.example.com/init\n',
  credential: '    credential: pg_local\n',
  static: '    map: {a: b}\n',
  bearer: '    token: t\n',
  google_id_token: '    target_audience: https://svc\n    service_account_credential: sa\n',
};

describe('keychain rules read the kind registry', () => {
  it('every kind and spelling is known, and its minimal entry is clean', () => {
    for (const name of KEYCHAIN_KIND_NAMES) {
      const id = KEYCHAIN_KINDS.find((k) => k.id === name || k.aliases.includes(name))!.id;
      const used = `workflow:\n  - step: s\n    tool: { kind: python, code: "{{ keychain.e.v }}" }\n`;
      expect(lint(entry(name, MINIMAL[id]) + used), name).toEqual([]);
    }
  });

  it('an entry with only its kind gets one finding per field the kind needs', () => {
    for (const k of KEYCHAIN_KINDS) {
      const needed = k.required.filter((r) => r.when === undefined).map((r) => `keychain entry 'e' of kind ${k.id} needs ${r.what}`);
      expect(messages(entry(k.id), 'keychain-required-fields'), k.id).toEqual(needed);
    }
  });

  it('auto_renew is reported exactly on the kinds that cannot be renewed', () => {
    for (const k of KEYCHAIN_KINDS) {
      const found = messages(entry(k.id, `    auto_renew: true\n${MINIMAL[k.id]}`), 'keychain-auto-renew');
      expect(found, k.id).toEqual(k.renewal ? [] : [`auto_renew has no effect on kind ${k.id}: only ${RENEWABLE_KINDS.map((r) => r.id).join(', ')} entries can be renewed; remove it`]);
    }
  });

  it('every key a kind reads is accepted on it, and a key only another kind reads is not', () => {
    for (const k of KEYCHAIN_KINDS) {
      const other = KEYCHAIN_KINDS.flatMap((o) => o.keys).find((key) => !k.keys.includes(key) && !KEYCHAIN_COMMON_KEYS.includes(key))!;
      const body = [...k.keys, other].map((key) => `    ${key}: x\n`).join('');
      expect(messages(entry(k.id, body), 'keychain-unknown-key').map((m) => m.split(';')[0]), k.id).toEqual([`unknown key '${other}' in kind ${k.id}`]);
    }
  });

  it('the rule docs list the registry', () => {
    expect(RULES_BY_ID.get('keychain-kind')!.docs).toContain(KEYCHAIN_KIND_NAMES.map((n) => `\`${n}\``).join(', '));
    expect(RULES_BY_ID.get('keychain-auto-renew')!.docs).toContain('can be renewed: oauth2, http (the request is stored');
    expect(RULES_BY_ID.get('keychain-auto-renew')!.docs).toContain('and google_id_token (`keychain resolve` mints');
    for (const k of KEYCHAIN_KINDS) expect(RULES_BY_ID.get('keychain-unknown-key')!.docs).toContain(`- ${[k.id, ...k.aliases].join(', ')}: ${k.keys.join(', ')}`);
  });
});
