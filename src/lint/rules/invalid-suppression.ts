import type { Rule } from '../types.js';

/** Reported by the engine while it reads suppression comments (src/lint/suppress.ts). */
export const invalidSuppression: Rule = {
  id: 'invalid-suppression',
  defaultSeverity: 'warning',
  summary: 'A noetl-lint-ignore comment has no reason or names an unknown rule',
  docs: `A finding can be silenced with a comment on its line or on the line above:

    # noetl-lint-ignore literal-secret: fixture password for the local test database
    password: demo

The comment must name the rule (several rules: separated by commas) and give a reason after a
colon, so the next reader knows why the finding does not apply. A comment without a reason, or
naming a rule that does not exist, is reported by this rule (and suppresses nothing when the
rule is unknown). This rule itself cannot be suppressed.`,
  check: () => undefined,
};
