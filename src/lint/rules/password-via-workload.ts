import { isPasswordKey } from '../knowledge.js';
import { templateSpan } from '../playbook.js';
import { workloadKeyOf } from '../references.js';
import type { Rule } from '../types.js';
import { workloadKeySegment } from './undefined-workload-key.js';

/**
 * Keys of a request's content: a password there is what the request sends (a user's login to a
 * token endpoint, from the caller), not a connection the step could make with a credential.
 */
const REQUEST_CONTENT = new Set(['json', 'data', 'body', 'payload', 'params', 'form', 'headers', 'query']);

export const passwordViaWorkload: Rule = {
  id: 'password-via-workload',
  defaultSeverity: 'warning',
  summary: 'A step gets its password from a credential, not through the workload',
  docs: `A step's password field (\`with: {db_password: …}\`, a tool's \`password:\`) filled from the
workload (\`{{ workload.pg_password }}\`) takes the password from the playbook or the caller's
payload: it is stored with the execution, shown in its logs and events, and bypasses the
credential store. Give the step the credential instead (\`auth: "{{ workload.pg_auth }}"\`), from
which the tool reads the password, or a keychain entry (\`{{ keychain.db.password }}\`).
Keychain entries, and a request's body (a user's login to a token endpoint), may still take a
caller's password from the workload.

    workload:
      pg_password: "{{ payload.pg_password }}"
    workflow:
      - step: load
        tool:
          kind: workbook
          name: load_rows
          with:
            db_password: "{{ workload.pg_password }}"   # password-via-workload
    workbook:
      - name: load_rows
        tool: postgres
        command: "SELECT 1"`,
  check({ playbook, report }) {
    for (const t of playbook.templates) {
      const field = t.keys.at(-1);
      if (!t.places.has('step') || t.keychainEntry !== undefined || field === undefined || !isPasswordKey(field)) continue;
      if (t.keys.some((k) => k === 'auth' || REQUEST_CONTENT.has(k))) continue;
      for (const ref of t.scan.references) {
        const key = workloadKeySegment(ref)?.name ?? (ref.path.length === 0 ? workloadKeyOf(ref) : undefined);
        if (key === undefined || !playbook.workload.has(key)) continue;
        // A workload key that reads a keychain entry routes a stored secret: fine.
        const source = playbook.templates.find((x) => x.node === playbook.workload.get(key)?.value);
        if (source && source.scan.references.length > 0 && source.scan.references.every((r) => r.root === 'keychain')) continue;
        report(templateSpan(t, ref.start, ref.end), `'${field}' takes a password from workload key '${key}': the workload is plain input (the payload, the execution's events and logs); give the step the credential with auth: or read it from a keychain entry`, { construct: `${field}\0${key}` });
      }
    }
  },
};
