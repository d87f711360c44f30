import { hasTemplate } from '../../core/templates.js';
import { closest } from '../../core/suggest.js';
import { SCOPE_TYPES as KEYCHAIN_SCOPES } from '../../core/scope.js';
import { nodeSpan, pairOf, scalarString } from '../playbook.js';
import type { Rule } from '../types.js';

export const keychainScope: Rule = {
  id: 'keychain-scope',
  defaultSeverity: 'error',
  summary: 'A keychain scope is one of global, catalog, local, shared',
  docs: `\`scope\` decides who can see the cached value and for how long:

- \`global\`: every execution of the playbook (cache key \`{name}:{catalog_id}:global\`);
- \`catalog\`: the playbook's catalog entry;
- \`local\`: this execution only — not its child playbooks;
- \`shared\`: the whole execution tree under the root execution (parent and children).

Any other value is rejected by the keychain table.

    keychain:
      - name: user_session
        kind: oauth2
        scope: execution      # keychain-scope: use local
        endpoint: https://api.example.com/v1/auth/login
    workflow:
      - step: profile
        tool:
          kind: http
          url: https://api.example.com/v1/users/me
          headers: { Authorization: "Bearer {{ keychain.user_session.access_token }}" }`,
  check({ playbook, report }) {
    for (const entry of playbook.keychain) {
      const pair = pairOf(entry.node, 'scope');
      if (pair === undefined) continue;
      const scope = scalarString(pair.value);
      if (scope !== undefined && (KEYCHAIN_SCOPES as readonly string[]).includes(scope)) continue;
      if (scope !== undefined && hasTemplate(scope)) continue;
      const hint = scope === 'execution' ? "; an execution-only entry is 'local'" : (() => {
        const s = scope === undefined ? undefined : closest(scope, KEYCHAIN_SCOPES);
        return s ? `; did you mean '${s}'?` : '';
      })();
      report(nodeSpan(pair.value ?? pair.key), `keychain scope '${scope ?? ''}' is not one of ${KEYCHAIN_SCOPES.join(', ')}${hint}`);
    }
  },
};
