import { SNAKE_CASE, toSnakeCase } from '../knowledge.js';
import { nodeSpan } from '../playbook.js';
import type { Rule } from '../types.js';

const GENERIC = /^(token|tokens|bearer|auth|var|variable|value|val|tmp|temp|result|data|x|t|my_token|mytoken|access_token|the_token)\d*$|^var\d+$/i;

export const variableNaming: Rule = {
  id: 'variable-naming',
  defaultSeverity: 'warning',
  summary: 'Bearer variables are descriptive lowercase_with_underscores names',
  docs: `A bearer \`variable\` joins every template of the execution's context, next to the workload
keys and step results. The seeds' convention: descriptive, lowercase with underscores, saying
whose token it is — \`amadeus_token\`, \`gcp_access_token\`. Avoid camelCase (\`myToken\`) and
generic names (\`token\`, \`var1\`, \`my_token\`) that collide and say nothing.

    workload:
      amadeus_auth: amadeus_credentials
    workflow:
      - step: get_amadeus_token
        tool:
          kind: python
          code: "result = 1"
          auth:
            credential: "{{ workload.amadeus_auth }}"
            bearer: true
            variable: token          # variable-naming: e.g. amadeus_token
        next: [{ step: search }]
      - step: search
        tool: { kind: http, url: https://test.api.amadeus.com/v2, headers: { Authorization: "Bearer {{ token }}" } }`,
  check({ playbook, report }) {
    for (const step of playbook.steps) {
      if (!step.sets) continue;
      const name = step.sets.name;
      const span = nodeSpan(step.sets.node);
      if (!SNAKE_CASE.test(name)) {
        const snake = toSnakeCase(name);
        report(span, `variable '${name}' is not lowercase_with_underscores${snake && snake !== name && !GENERIC.test(snake) ? `; use '${snake}'` : ''}`);
      } else if (GENERIC.test(name)) {
        const service = step.name?.replace(/^(get|fetch|obtain|generate|refresh|create)_/, '').replace(/_token$/, '');
        report(span, `variable '${name}' is too generic; say whose token it is${service ? `, e.g. '${service}_token'` : ''}`);
      }
    }
  },
};
