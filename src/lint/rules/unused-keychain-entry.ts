import { nodeSpan, scalarString, valueOf } from '../playbook.js';
import type { Rule } from '../types.js';

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const unusedKeychainEntry: Rule = {
  id: 'unused-keychain-entry',
  defaultSeverity: 'warning',
  summary: 'Every keychain entry is used by a template',
  docs: `Each keychain entry is resolved when the playbook starts: a token requested, a secret read, a
credential fetched. An entry no template uses (\`{{ keychain.<name>.<field> }}\`, in a step or in
another entry) costs that request on every run and keeps a secret in the keychain for nothing —
often it is a leftover, or the template that should use it has a typo. The entry counts as used
when its name appears anywhere else in the file (an \`auth:\` naming it, a \`token(…)\` call, a
workload value), and a \`scope: shared\` entry of a playbook that starts child playbooks is left
alone (the children may use it).

    keychain:
      - name: openai_token                  # unused-keychain-entry
        kind: static
        map:
          api_key: "{{ workload.openai_key_ref }}"
    workload:
      openai_key_ref: projects/1/secrets/openai/versions/latest
    workflow:
      - step: start
        tool: { kind: python, code: "result = 1" }`,
  check({ playbook, report }) {
    if (playbook.keychain.length === 0) return;
    const used = new Set<string>();
    for (const t of playbook.templates) for (const ref of t.scan.references) if (ref.root === 'keychain' && ref.path.length > 0) used.add(ref.path[0].name);
    const startsChildren = playbook.steps.some((s) => s.toolKind === 'playbook');
    const text = playbook.source.text;
    for (const entry of playbook.keychain) {
      const name = entry.name;
      // A name that is not an identifier cannot be used from a template: keychain-name says so.
      if (name === undefined || !/^[A-Za-z_]\w*$/.test(name) || used.has(name)) continue;
      if (startsChildren && scalarString(valueOf(entry.node, 'scope')) === 'shared') continue;
      // Its name anywhere outside the entry: used by a way lint does not model (auth: NAME, token(NAME), a workload value).
      const [from, to] = entry.node.range;
      const word = new RegExp(`(?<![\\w-])${escapeRegExp(name)}(?![\\w-])`, 'g');
      let elsewhere = false;
      for (let m = word.exec(text); m !== null; m = word.exec(text)) {
        if (m.index < from || m.index >= to) {
          elsewhere = true;
          break;
        }
      }
      if (elsewhere) continue;
      report(nodeSpan(entry.nameNode ?? entry.node), `keychain entry '${name}' is resolved on every run but nothing uses it ({{ keychain.${name}.<field> }}); remove it, or fix the template that should use it`);
    }
  },
};
