import type { Rule } from '../types.js';

/** Reported by the parser (src/lint/yaml-tree.ts, reported in lint.ts); listed here for --list-rules, --explain and config. */
export const duplicateKey: Rule = {
  id: 'duplicate-key',
  defaultSeverity: 'error',
  summary: 'A mapping has the same key twice',
  docs: `A mapping repeats a key. YAML forbids it, and parsers that accept it silently keep only one
of the values, so half of what you wrote is ignored (often a second \`auth:\` or \`headers:\`).

Fix: merge the two entries into one, or rename one of them.

    tool:
      kind: http
      auth: "{{ workload.api_auth }}"
      auth: "{{ workload.other_auth }}"   # duplicate-key: only one of these is used`,
  check: () => undefined,
};
