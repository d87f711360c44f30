import { isScalar } from '../yaml-tree.js';
import { findKeychainKind, RENEWABLE_KINDS } from '../../core/keychain-kinds/index.js';
import { nodeSpan, pairOf } from '../playbook.js';
import type { Rule } from '../types.js';

const renewable = RENEWABLE_KINDS.map((k) => k.id);

export const keychainAutoRenew: Rule = {
  id: 'keychain-auto-renew',
  defaultSeverity: 'warning',
  summary: 'auto_renew is a boolean, set only where the runtime can renew',
  docs: `With \`auto_renew: true\` the runtime gets a fresh value before the cached one expires. Only
kinds that obtain a token can be renewed: ${RENEWABLE_KINDS.map((k) => `${k.id} (${k.renewal === 'mint' ? 'minted anew by resolve' : 'its request is stored as renew_config and sent again'})`).join(', ')}.
On other kinds (a static map, a stored credential, a secret read from a secret manager) the flag
does nothing and suggests a renewal that never happens. \`auto_renew\` must be \`true\` or \`false\`.

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
      const kind = findKeychainKind(entry.kind);
      if (v.value && kind && kind.renewal === undefined) {
        report(nodeSpan(pair.key), `auto_renew has no effect on kind ${entry.kind}: only ${renewable.join(', ')} entries can be renewed; remove it`);
      }
    }
  },
};
