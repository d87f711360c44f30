import { isScalar, type YamlNode } from '../yaml-tree.js';
import { nodeSpan } from '../playbook.js';
import { workloadKeyOf } from '../references.js';
import type { Rule } from '../types.js';

/**
 * Names that read like the secret itself. `*_credential(s)` is not among them: upstream authors
 * use it widely for a workload key that names a credential (`db_credential: pg_k8s`).
 */
const MISLEADING = /^(.*?)_?(password|passwd|pwd|secret|api_?key|key|token|cred|creds)$/i;

/** The seeds' suggestion for a misleading auth reference name: `<service>_auth`. */
function suggestAuthName(name: string): string {
  const m = MISLEADING.exec(name);
  const base = (m?.[1] ?? '').replace(/_+$/, '') || name.split('_')[0];
  return `${base}_auth`;
}

export const authRefNaming: Rule = {
  id: 'auth-ref-naming',
  defaultSeverity: 'warning',
  summary: 'Workload keys used as auth references are named <service>_auth',
  docs: `The \`auth\` attribute holds a reference to a credential, not the credential. The seeds'
naming convention makes that visible: name the workload key after the service plus \`_auth\`
(\`pg_auth\`, \`gcp_auth\`, \`snowflake_auth\`). Names such as \`oauth_cred\`, \`postgres_password\` or
\`api_key\` read like the secret itself and invite someone to put the secret there. (\`db_credential\`
says it names a credential, as upstream playbooks widely write it, and is not reported.)

    workload:
      postgres_password: pg_local      # auth-ref-naming: rename to postgres_auth
    workflow:
      - step: load
        tool: { kind: postgres, auth: "{{ workload.postgres_password }}" }`,
  check({ playbook, report }) {
    // One finding per workload key, at its declaration: that is where the rename happens.
    const reported = new Set<string>();
    for (const use of playbook.auths) {
      if (!isScalar(use.node)) continue;
      const t = playbook.templates.find((x) => x.node === use.node);
      if (!t) continue;
      for (const ref of t.scan.references) {
        const name = workloadKeyOf(ref);
        if (name === undefined || reported.has(name) || !MISLEADING.test(name)) continue;
        const pair = playbook.workload.get(name);
        if (!pair) continue;
        reported.add(name);
        const line = playbook.source.position(t.map(ref.start)).line;
        report(nodeSpan(pair.key as YamlNode), `workload key '${name}' is used as an auth reference (line ${line}) but sounds like the secret itself; name it '${suggestAuthName(name)}' (the seeds' convention: <service>_auth)`);
      }
    }
  },
};
