import type { Rule } from '../types.js';

/** Checked only with --check-credentials (src/lint/credentials.ts): it needs the database. */
export const missingCredential: Rule = {
  id: 'missing-credential',
  defaultSeverity: 'error',
  summary: 'Credentials that auth references exist in the store (--check-credentials)',
  docs: `With \`noetl lint --check-credentials\`, every credential name an \`auth\` attribute references —
literally (\`auth: pg_local\`) or through a workload key (\`auth: "{{ workload.pg_auth }}"\` with
\`pg_auth: pg_local\`) — and every \`credential:\` of a keychain entry of kind credential must
exist in the configured database (\`--database-url\`, NOETL_DATABASE_URL, or the embedded one).
A missing credential fails the step at run time. Add it with \`noetl credential add NAME …\`.
Names computed at run time (from the payload, say) cannot be checked and are skipped.

    workload:
      pg_auth: pg_local             # registered: fine
    workflow:
      - step: load
        tool: { kind: postgres, command: SELECT 1, auth: "{{ workload.pg_auth }}" }
      - step: report
        tool: { kind: postgres, command: SELECT 1, auth: pg_reporting }   # missing-credential: not registered`,
  check: () => undefined,
};
