import { hasUrlPassword, isPasswordKey, isSecretMaterialKey, looksLikeKnownKeyFormat, looksLikeTokenValue } from '../knowledge.js';
import { templateSpan } from '../playbook.js';
import type { Rule } from '../types.js';

/** The last name of a dotted reference as written: `workload.db_password` → db_password, `env['DB_PASSWORD']` → DB_PASSWORD. */
const lastName = (subject: string | undefined): string | undefined => (subject === undefined ? undefined : /([A-Za-z_]\w*)['"]?\]?$/.exec(subject)?.[1]);

/** An OpenAI/Stripe-style key prefix: in a default, even a short `sk-…` is meant as a key. */
const KEY_PREFIX = /^(sk|rk)-[\w-]{6,}$/;

export const literalSecretDefault: Rule = {
  id: 'literal-secret-default',
  defaultSeverity: 'error',
  summary: "No secret as a template's default value",
  docs: `\`{{ x | default('…') }}\` writes its fallback into the playbook: it is stored in the catalog,
shown by every tool that prints the playbook, and used whenever the input is missing. A secret
there is a secret in the playbook. Reported: a default with the shape of an API key or token
(\`sk-…\`, \`ghp_…\`, \`AKIA…\`, a JWT), a connection URL with a password in it
(\`postgresql://app:pw@db/app\`), and any literal default of a password-like value (\`*_PASSWORD\`,
\`client_secret\`, or a template under such a key). Leave the default out (the step then fails
clearly when the input is missing), or take the value from a credential or a keychain entry.

    workload:
      db_password: "{{ env.DB_PASSWORD | default('demo') }}"   # literal-secret-default
      api_url: "{{ env.API_URL | default('https://api.example.com') }}"
    workflow:
      - step: start
        tool: { kind: python, code: "result = 1" }`,
  check({ playbook, report }) {
    for (const t of playbook.templates) {
      for (const f of t.scan.filters) {
        if (f.name !== 'default' && f.name !== 'd') continue;
        const literal = f.args[0];
        if (literal === undefined || literal.value.trim() === '') continue;
        const value = literal.value;
        const names = [lastName(f.subject), t.keys.at(-1)].filter((n): n is string => n !== undefined);
        let why: string | undefined;
        if (looksLikeKnownKeyFormat(value) || KEY_PREFIX.test(value)) why = 'has the shape of an API key or token';
        else if (hasUrlPassword(value)) why = 'is a connection URL with a password in it';
        else if (names.some(isPasswordKey)) why = `is a literal password (${names.find(isPasswordKey)})`;
        else if (names.some(isSecretMaterialKey) && looksLikeTokenValue(value)) why = `is a literal token (${names.find(isSecretMaterialKey)})`;
        if (why === undefined) continue;
        report(templateSpan(t, literal.start, literal.end), `the default of ${f.subject ?? 'this value'} ${why}: a default is written in the playbook (the catalog, logs); drop it, or read the value from a credential or a keychain entry`);
      }
    }
  },
};
