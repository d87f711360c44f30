import type { Rule } from '../types.js';

/** Reported by the engine while it reads suppression comments (src/lint/suppress.ts). */
export const invalidSuppression: Rule = {
  id: 'invalid-suppression',
  defaultSeverity: 'warning',
  summary: 'A noetl-lint-ignore comment has no reason or names an unknown rule',
  docs: `A finding can be silenced with a comment on its line or on the line above:

    workload:
      # noetl-lint-ignore literal-secret: fixture password for the local test database
      db_password: demo
    workflow:
      - step: load
        tool: { kind: postgres, command: SELECT 1, auth: pg_local }

The comment must name the rule (several rules: separated by commas) and give a reason after a
colon, so the next reader knows why the finding does not apply. A comment without a reason, or
naming a rule that does not exist, is reported by this rule (and suppresses nothing when the
rule is unknown). This rule itself cannot be suppressed.

    workload:
      # next line: invalid-suppression
      # noetl-lint-ignore literal-secret
      db_password: demo
      # next line: invalid-suppression
      # noetl-lint-ignore literal-secrets: typo in the rule's name, so nothing is suppressed
      api_password: demo            # literal-secret
    workflow:
      - step: load
        tool: { kind: postgres, command: SELECT 1, auth: pg_local }`,
  check: () => undefined,
};
