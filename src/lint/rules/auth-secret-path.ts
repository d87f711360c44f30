import { isMap, isScalar, type YamlMap, type YamlNode } from '../yaml-tree.js';
import { isSecretManagerPath } from '../knowledge.js';
import { nodeSpan, scalarString, templateSpan, valueOf } from '../playbook.js';
import { workloadKeyOf } from '../references.js';
import type { Rule, Span } from '../types.js';
import { workloadKeySegment } from './undefined-workload-key.js';

const MESSAGE =
  'auth names a secret-manager path, not a credential: auth must be the name of a stored credential (noetl credential add); to read this secret, declare a keychain entry of kind secrets with the path in its map and use {{ keychain.<entry>.<field> }}';

/** A multi-auth alias read from the credential store (no `provider`, `source` absent or credential). */
function fromCredentialStore(alias: YamlMap): boolean {
  const source = scalarString(valueOf(alias, 'source'));
  return valueOf(alias, 'provider') === undefined && (source === undefined || source === 'credential');
}

export const authSecretPath: Rule = {
  id: 'auth-secret-path',
  defaultSeverity: 'error',
  summary: 'auth names a credential, not a path in a secret manager',
  docs: `\`auth\` is the name of a stored credential; the worker fetches it from the credential store.
A secret-manager path there (\`projects/P/secrets/S/versions/latest\`, \`arn:aws:secretsmanager:…\`,
\`https://V.vault.azure.net/secrets/S\`) — written in \`auth\` or in the workload key \`auth\` reads —
is looked up as a credential of that name and not found. To use a secret from a secret manager,
declare a keychain entry (\`kind: secrets\`, with the path in its \`map\` and the credential that can
read it in its \`auth\`), and reference the value as \`{{ keychain.<entry>.<field> }}\`.

    workload:
      openai_auth: projects/123/secrets/openai-key/versions/latest
    workflow:
      - step: ask
        tool:
          kind: http
          url: https://api.openai.com/v1/models
          auth: "{{ workload.openai_auth }}"         # auth-secret-path`,
  check({ playbook, report }) {
    const check = (node: YamlNode | null | undefined, at: Span) => {
      if (!isScalar(node) || typeof node.value !== 'string') return;
      const value = node.value;
      if (isSecretManagerPath(value)) {
        report(nodeSpan(node, at), MESSAGE);
        return;
      }
      const t = playbook.templates.find((x) => x.node === node);
      for (const ref of t?.scan.references ?? []) {
        const key = workloadKeySegment(ref)?.name ?? (ref.path.length === 0 ? workloadKeyOf(ref) : undefined);
        const target = key === undefined ? undefined : playbook.workload.get(key)?.value;
        const text = scalarString(target);
        if (t && text !== undefined && isScalar(target) && typeof target.value === 'string' && isSecretManagerPath(text)) report(templateSpan(t, ref.start, ref.end), `${MESSAGE} (workload key '${key}' holds the path)`);
      }
    };
    for (const use of playbook.auths) {
      const at = nodeSpan(use.keyNode);
      if (isMap(use.node)) {
        // `auth: {credential: …}` and multi-auth `auth: {alias: {key: …}}`; an alias read from a
        // secret manager (`provider: secret_manager`, `source: gcp`) has a secret path as its key, rightly.
        for (const pair of use.node.items) {
          const key = scalarString(pair.key);
          if (key === 'credential' || key === 'ref') check(pair.value, at);
          else if (isMap(pair.value) && fromCredentialStore(pair.value)) for (const p of pair.value.items) if (['credential', 'key', 'ref'].includes(scalarString(p.key) ?? '')) check(p.value, at);
        }
      } else check(use.node, at);
    }
  },
};
