import { isMap, isScalar, isSeq, type YamlNode } from '../yaml-tree.js';
import { looksLikeSecretValue, PRIVATE_KEY_PEM } from '../../core/secret-shapes.js';
import { isIndirectValue, isPasswordKey, isSecretManagerPath, isSecretMaterialKey, looksLikeTokenValue } from '../knowledge.js';
import { nodeSpan, scalarString } from '../playbook.js';
import { authWorkloadKeys } from '../references.js';
import { scalarValueMap } from '../source.js';
import type { Rule } from '../types.js';

const AUTH_HEADER = /^(Bearer|Basic|Token)\s+(\S+)/i;
const JWT_START = /^\s*eyJ/;

export const literalSecret: Rule = {
  id: 'literal-secret',
  defaultSeverity: 'error',
  summary: 'No literal secret anywhere in a playbook',
  docs: `A playbook is stored in the catalog and shown in logs and UIs; a secret written into it is
no longer a secret. This rule reports:

- a password/secret-like key (\`password\`, \`client_secret\`, \`private_key\`, …) with any
  literal value, and a token/api_key-like key (\`api_key\`, \`access_token\`, …) whose literal
  value has the shape of a token (long, no spaces; readable labels such as \`test_session_1\`
  are test data, not tokens);
- an \`Authorization\` header with a literal \`Bearer <token>\` or \`Basic <credentials>\`;
- any value that looks like a JWT (\`eyJ….….…\`) or a PEM private key.

Values that are templates (\`{{ keychain.api.token }}\`, \`{{ workload.x }}\`) or references to the
environment (\`\${VAR}\`) are fine. Keys that hold a name or a path to a secret
(\`openai_secret_path\`, \`auth\`, \`db_credential\`) are not secret material.

    keychain:
      - name: service_token
        kind: oauth2
        endpoint: https://auth.example.com/oauth/token
    workflow:
      - step: call
        tool:
          kind: http
          url: https://api.example.com/items
          headers:
            Authorization: Bearer abc123     # literal-secret
      - step: fine
        tool:
          kind: http
          url: https://api.example.com/items
          headers:
            Authorization: "Bearer {{ keychain.service_token.access_token }}"`,
  check({ playbook, report }) {
    // A workload key that auth references holds a credential name (auth-ref-naming covers its name).
    const authKeys = authWorkloadKeys(playbook);
    const workload = playbook.workloadNode;
    /** Key → whether it is an Authorization header, secret material, or neither: keys repeat, each is classified once. */
    const keyKinds = new Map<string, 'header' | 'secret' | undefined>();
    const keyKind = (key: string) => {
      if (keyKinds.has(key)) return keyKinds.get(key);
      const kind = /^(authorization|proxy-authorization)$/i.test(key) ? 'header' : isSecretMaterialKey(key) ? 'secret' : undefined;
      keyKinds.set(key, kind);
      return kind;
    };
    const walk = (node: unknown, key: string | undefined) => {
      if (isMap(node)) {
        for (const pair of node.items) {
          const k = scalarString(pair.key);
          // auth values are inline-auth-secret's business.
          if (k === 'auth') continue;
          if (node === workload && k !== undefined && authKeys.has(k)) continue;
          walk(pair.value, k);
        }
      } else if (isSeq(node)) {
        for (const item of node.items) walk(item, key);
      } else if (isScalar(node) && typeof node.value === 'string') {
        const value = node.value;
        // Cheap tests first: most strings are code, SQL and labels under keys that hold no secret.
        const pem = value.includes('-----BEGIN ') ? PRIVATE_KEY_PEM.exec(value) : null;
        if (pem) {
          // Point at the BEGIN line, inside whatever scalar style holds the key.
          const map = scalarValueMap(playbook.source.text, node);
          report({ start: map(pem.index), end: map(pem.index + pem[0].length - 1) + 1 }, `literal private key${key ? ` in '${key}'` : ''}; store it as a credential and reference it`);
          return;
        }
        if (JWT_START.test(value) && looksLikeSecretValue(value.trim())) {
          report(nodeSpan(node as YamlNode), `literal JWT${key ? ` in '${key}'` : ''}; store it as a credential and reference it`);
          return;
        }
        if (key === undefined) return;
        const kind = keyKind(key);
        if (kind === undefined) return;
        const headerKey = kind === 'header';
        if (isIndirectValue(value) || isSecretManagerPath(value)) return;
        const header = AUTH_HEADER.exec(value);
        if (headerKey && header) {
          report(nodeSpan(node as YamlNode), `literal ${header[1]} credentials in the ${key} header; use a template such as "Bearer {{ keychain.<entry>.access_token }}"`);
          return;
        }
        if (!headerKey && (isPasswordKey(key) || looksLikeTokenValue(value))) {
          report(nodeSpan(node as YamlNode), `literal value for '${key}'; store it as a credential (noetl credential add) or a keychain entry and reference it with a template`);
        }
      } else if (isScalar(node) && typeof node.value === 'number' && key !== undefined && isSecretMaterialKey(key) && /pass|pin/i.test(key)) {
        report(nodeSpan(node as YamlNode), `literal value for '${key}'; store it as a credential and reference it with a template`);
      }
    };
    walk(playbook.root, undefined);
  },
};
