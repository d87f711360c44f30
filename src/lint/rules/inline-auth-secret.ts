import { isMap, isScalar, isSeq, type YamlNode } from '../yaml-tree.js';
import { looksLikeSecretValue } from '../../core/secret-shapes.js';
import { isIndirectValue, isSecretManagerPath, isSecretMaterialKey, looksLikeReferenceName } from '../knowledge.js';
import { nodeSpan, scalarString } from '../playbook.js';
import { authWorkloadKeys } from '../references.js';
import type { Rule, Span } from '../types.js';

export const inlineAuthSecret: Rule = {
  id: 'inline-auth-secret',
  defaultSeverity: 'error',
  summary: 'auth is a reference to a credential, never the secret itself',
  docs: `\`auth\` names a stored credential — directly (\`auth: pg_local\`) or through the workload
(\`auth: "{{ workload.pg_auth }}"\`) — and the worker fetches the secret from the credential
store. Writing the password, token or key into \`auth\` puts it in the playbook, the catalog,
and every log that prints the step. Store it with \`noetl credential add\` and reference it.
The workload key an auth template names (\`{{ workload.api_auth }}\`) is checked the same way.

    workload:
      pg_auth: pg_local
    workflow:
      - step: load
        tool:
          kind: postgres
          command: SELECT 1
          auth:
            password: s3cr3t          # inline-auth-secret
      - step: call
        tool:
          kind: http
          url: https://api.example.com
          auth: "Bearer 4f9c2d7e1b"   # inline-auth-secret
      - step: fine
        tool: { kind: postgres, command: SELECT 1, auth: "{{ workload.pg_auth }}" }`,
  check({ playbook, report }) {
    const walk = (node: YamlNode | null, key: string | undefined, at: Span) => {
      if (isScalar(node)) {
        const value = scalarString(node);
        // A secret-manager path is not the secret (auth-secret-path says what auth should be).
        if (value === undefined || typeof node.value !== 'string' || isIndirectValue(value) || isSecretManagerPath(value)) return;
        if (key !== undefined && isSecretMaterialKey(key)) {
          report(nodeSpan(node, at), `auth holds a literal '${key}'; store it as a credential and reference it by name`);
        } else if (looksLikeSecretValue(value) || /^(Bearer|Basic|Token)\s+\S/i.test(value) || (key === undefined && !looksLikeReferenceName(value))) {
          report(nodeSpan(node, at), 'auth holds what looks like secret material; auth must name a credential (e.g. auth: "{{ workload.api_auth }}")');
        }
      } else if (isMap(node)) {
        for (const pair of node.items) walk(pair.value as YamlNode | null, scalarString(pair.key), nodeSpan(pair.key as YamlNode, at));
      } else if (isSeq(node)) {
        for (const item of node.items) walk(item as YamlNode, key, at);
      }
    };
    for (const use of playbook.auths) walk(use.node, undefined, nodeSpan(use.keyNode));
    // `auth: "{{ workload.api_auth }}"` with the secret itself in the workload.
    for (const key of authWorkloadKeys(playbook)) {
      const value = playbook.workload.get(key)?.value;
      const text = scalarString(value);
      if (!isScalar(value) || typeof value.value !== 'string' || text === undefined || isIndirectValue(text) || looksLikeReferenceName(text) || isSecretManagerPath(text)) continue;
      report(nodeSpan(value), `workload key '${key}' is used as auth but holds what looks like secret material; it must name a credential`);
    }
  },
};
