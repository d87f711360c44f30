import type { Rule } from '../types.js';

/** Reported by the parser (src/lint/yaml-tree.ts, reported in lint.ts); listed here for --list-rules, --explain and config. */
export const duplicateKey: Rule = {
  id: 'duplicate-key',
  defaultSeverity: 'error',
  summary: 'A mapping has the same key twice',
  docs: `A mapping repeats a key. YAML forbids it; NoETL's reader (PyYAML) accepts it and keeps the
last value, so the earlier one is silently ignored (often a second \`auth:\` or \`headers:\`, or a
second \`workload:\` block). The finding is at the value that is ignored; the other rules read the
playbook as NoETL does, with the last value.

Fix: merge the two entries into one, or remove the one that is not meant.

    workload:
      api_auth: api_credentials
      other_auth: other_credentials
    workflow:
      - step: call
        tool:
          kind: http
          url: https://api.example.com/items
          auth: "{{ workload.api_auth }}"      # duplicate-key: NoETL reads the next auth, not this one
          auth: "{{ workload.other_auth }}"`,
  check: () => undefined,
};
