import { templateSpan } from '../playbook.js';
import type { Rule } from '../types.js';

export const templateSyntax: Rule = {
  id: 'template-syntax',
  defaultSeverity: 'error',
  summary: 'Jinja templates are well formed',
  docs: `Every \`{{ … }}\`, \`{% … %}\` and \`{# … #}\` must be closed, its brackets and quotes balanced,
and its block tags paired (\`{% if %}\` … \`{% endif %}\`). A malformed template fails the step
at run time; the finding points at the exact character, also inside quoted and block scalars.

    workload:
      base_url: https://api.example.com
    workflow:
      - step: fetch
        tool:
          kind: http
          url: "{{ workload.base_url }/v1/items"     # template-syntax: '{{' is never closed with '}}'`,
  check({ playbook, report }) {
    for (const t of playbook.templates) {
      for (const e of t.scan.errors) report(templateSpan(t, e.start, e.end), `template: ${e.message}`);
    }
  },
};
