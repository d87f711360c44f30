import { isScalar, isSeq } from '../yaml-tree.js';
import { nodeSpan, pairOf } from '../playbook.js';
import type { Rule } from '../types.js';

export const keychainName: Rule = {
  id: 'keychain-name',
  defaultSeverity: 'error',
  summary: 'Every keychain entry has a unique, identifier-like name',
  docs: `Each keychain entry is addressed as \`{{ keychain.<name>.<field> }}\` and cached under a key
built from its name (\`{name}:{catalog_id}:global\`). So the name must be present, unique in the
playbook, and an identifier (letters, digits and underscores, not starting with a digit):
a name with a hyphen or a dot cannot be written after \`keychain.\` in a template.

    keychain:
      - name: amadeus-token        # keychain-name: use amadeus_token
        kind: oauth2
        endpoint: https://test.api.amadeus.com/v1/security/oauth2/token
    workflow:
      - step: search
        tool: { kind: http, url: https://test.api.amadeus.com/v2/shopping/flight-offers }`,
  check({ playbook, report }) {
    const section = playbook.keychainNode;
    if (section && !isSeq(section) && !(isScalar(section) && section.value === null)) {
      const span = nodeSpan(section);
      const lineEnd = playbook.source.text.indexOf('\n', span.start);
      report({ start: span.start, end: lineEnd > span.start && lineEnd < span.end ? lineEnd : span.end }, 'keychain must be a list of entries (`- name: …`)');
      return;
    }
    const seen = new Map<string, number>();
    for (const entry of playbook.keychain) {
      const pair = pairOf(entry.node, 'name');
      if (pair === undefined || entry.name === undefined || entry.name === '') {
        const at = pair?.value && isScalar(pair.value) ? nodeSpan(pair.value) : nodeSpan(entry.node);
        report({ start: at.start, end: pair ? at.end : at.start + 1 }, `keychain entry #${entry.index + 1} has no name; add \`name: <identifier>\``);
        continue;
      }
      const span = nodeSpan(entry.nameNode);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(entry.name)) {
        const suggestion = entry.name.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^(\d)/, '_$1');
        report(span, `keychain name '${entry.name}' is not an identifier, so \`{{ keychain.${entry.name} }}\` cannot reach it; use '${suggestion}'`);
      }
      const first = seen.get(entry.name);
      if (first !== undefined) {
        report(span, `keychain name '${entry.name}' is already used by entry #${first + 1} (line ${playbook.source.position(nodeSpan(playbook.keychain[first].nameNode).start).line}); names must be unique`);
      } else seen.set(entry.name, entry.index);
    }
  },
};
