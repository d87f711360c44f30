/** SARIF 2.1.0: one run, every rule described, results with physical locations (1-based, end exclusive). */
import type { Finding, Rule } from '../types.js';

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** A relative path as a SARIF artifact URI (forward slashes, percent-encoded). */
function artifactUri(path: string): string {
  return path.split(/[\\/]/).map(encodeURIComponent).join('/');
}

export function toSarif(findings: Finding[], rules: readonly Rule[], version: string): object {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'noetl lint',
            semanticVersion: version,
            rules: rules.map((r) => ({
              id: r.id,
              shortDescription: { text: r.summary },
              fullDescription: { text: r.docs.split('\n\n')[0].replace(/\n/g, ' ') },
              help: { text: r.docs },
              defaultConfiguration: { level: r.defaultSeverity },
            })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.ruleId,
          ...(index.has(f.ruleId) ? { ruleIndex: index.get(f.ruleId) } : {}),
          level: f.severity,
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: artifactUri(f.path) },
                region: { startLine: f.start.line, startColumn: f.start.col, endLine: f.end.line, endColumn: f.end.col },
              },
            },
          ],
        })),
      },
    ],
  };
}

export function formatSarif(findings: Finding[], rules: readonly Rule[], version: string): string {
  return `${JSON.stringify(toSarif(findings, rules, version), null, 2)}\n`;
}
