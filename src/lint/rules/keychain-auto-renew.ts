import { isScalar } from '../yaml-tree.js';
import { KEYCHAIN_KINDS } from '../knowledge.js';
import { nodeSpan, pairOf } from '../playbook.js';
import type { Rule } from '../types.js';

const renewable = Object.entries(KEYCHAIN_KINDS).filter(([, s]) => s.renewable).map(([k]) => k);

export const keychainAutoRenew: Rule = {
  id: 'keychain-auto-renew',
  defaultSeverity: 'warning',
  summary: 'auto_renew is a boolean, set only where the runtime can renew',
  docs: `With \`auto_renew: true\` the keychain stores a renew configuration and the worker fetches a
fresh value when the cached one expires. Only kinds that obtain a token from an endpoint can be
renewed: ${renewable.join(', ')}. On other kinds (a static map, a stored credential, a secret
read from a secret manager) the flag does nothing and suggests a renewal that never happens.
\`auto_renew\` must be \`true\` or \`false\`.

    - name: amadeus_credentials
      kind: secrets
      auto_renew: true     # keychain-auto-renew: secrets are read, not renewed`,
  check({ playbook, report }) {
    for (const entry of playbook.keychain) {
      const pair = pairOf(entry.node, 'auto_renew');
      if (pair === undefined) continue;
      const v = pair.value;
      if (!isScalar(v) || typeof v.value !== 'boolean') {
        report(nodeSpan(v ?? pair.key), `auto_renew must be true or false, got ${isScalar(v) ? JSON.stringify(v.value) : 'a collection'}`);
        continue;
      }
      if (v.value && entry.kind !== undefined && entry.kind in KEYCHAIN_KINDS && !KEYCHAIN_KINDS[entry.kind].renewable) {
        report(nodeSpan(pair.key), `auto_renew has no effect on kind ${entry.kind}: only ${renewable.join(', ')} entries can be renewed; remove it`);
      }
    }
  },
};
