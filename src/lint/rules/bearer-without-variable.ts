import { isMap, isScalar } from '../yaml-tree.js';
import { nodeSpan, pairOf } from '../playbook.js';
import type { Rule } from '../types.js';

export const bearerWithoutVariable: Rule = {
  id: 'bearer-without-variable',
  defaultSeverity: 'error',
  summary: 'auth with bearer: true names the variable to store the token in',
  docs: `\`bearer: true\` asks the runtime to store the step's result as a bearer token execution
variable; \`variable\` is the name later templates use (\`{{ amadeus_token }}\`). Without it the
token is fetched and then unreachable.

    workload:
      amadeus_auth: amadeus_credentials
    workflow:
      - step: get_token
        tool:
          kind: python
          code: "result = 1"
          auth:
            credential: "{{ workload.amadeus_auth }}"
            bearer: true                # bearer-without-variable: add variable: amadeus_token`,
  check({ playbook, report }) {
    for (const use of playbook.auths) {
      if (!isMap(use.node)) continue;
      const bearer = pairOf(use.node, 'bearer');
      if (!bearer || !isScalar(bearer.value) || bearer.value.value !== true) continue;
      const variable = pairOf(use.node, 'variable');
      if (variable?.value != null && isScalar(variable.value) && String(variable.value.value).trim() !== '') continue;
      report(nodeSpan(bearer.key as never), 'bearer: true needs `variable: <name>` so later steps can use the token as {{ <name> }}');
    }
  },
};
