import type { Rule } from '../types.js';

/** Reported by the parser (src/lint/yaml-tree.ts, explained in lint.ts); listed here for --list-rules, --explain and config. */
export const yamlSyntax: Rule = {
  id: 'yaml-syntax',
  defaultSeverity: 'error',
  summary: 'The file is not valid YAML',
  docs: `The YAML parser could not read part of the document. NoETL would refuse the playbook
when it is registered, so nothing after the error can be trusted. The finding points at the
character where the parser gave up; the rest of the file is still linted as far as possible.

Common causes: a tab used for indentation, an unclosed quote, a mapping value on a line that
already has one (\`a: b: c\`), or a \`{{ … }}\` template at the start of a plain value
(quote it: \`url: "{{ workload.base_url }}/path"\`).

    workload:
      base_url: https://api.example.com
    workflow:
      - step: fetch
        tool:
          kind: http
          url: {{ workload.base_url }}/items      # yaml-syntax: quote the value`,
  check: () => undefined,
};
