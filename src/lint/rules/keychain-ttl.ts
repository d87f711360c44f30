import { hasTemplate } from '../../core/templates.js';
import { isScalar } from '../yaml-tree.js';
import { nodeSpan, pairOf } from '../playbook.js';
import type { Rule } from '../types.js';

export const keychainTtl: Rule = {
  id: 'keychain-ttl',
  defaultSeverity: 'error',
  summary: 'ttl_seconds is a positive integer',
  docs: `\`ttl_seconds\` is how long the cached value lives, in whole seconds. It must be a positive
integer (a template that renders one is accepted). Without it the default applies: 3600 s for
\`local\` entries, 86400 s otherwise. A duration string such as \`30m\` or a quoted number is not
read as seconds.

    keychain:
      - name: user_session
        kind: oauth2
        scope: local
        ttl_seconds: 30m      # keychain-ttl: write 1800
        endpoint: https://api.example.com/v1/auth/login
    workflow:
      - step: profile
        tool:
          kind: http
          url: https://api.example.com/v1/users/me
          headers: { Authorization: "Bearer {{ keychain.user_session.access_token }}" }`,
  check({ playbook, report }) {
    for (const entry of playbook.keychain) {
      const pair = pairOf(entry.node, 'ttl_seconds');
      if (pair === undefined) continue;
      const v = pair.value;
      if (isScalar(v) && typeof v.value === 'string' && hasTemplate(v.value)) continue;
      const ok = isScalar(v) && typeof v.value === 'number' && Number.isInteger(v.value) && v.value > 0;
      if (ok) continue;
      const shown = isScalar(v) ? JSON.stringify(v.value) : 'a collection';
      const hint = isScalar(v) && typeof v.value === 'string' && /^\d+$/.test(v.value) ? ` (write it unquoted: ${v.value})` : '';
      report(nodeSpan(v ?? pair.key), `ttl_seconds must be a positive integer number of seconds, got ${shown}${hint}`);
    }
  },
};
