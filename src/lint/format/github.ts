/** GitHub Actions workflow commands: `::error file=…,line=…,col=…::message`, shown as PR annotations. */
import type { Finding } from '../types.js';

const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

export function formatGithub(findings: Finding[]): string {
  return findings
    .map((f) => {
      const props = [
        `file=${escapeProperty(f.path)}`,
        `line=${f.start.line}`,
        `col=${f.start.col}`,
        `endLine=${f.end.line}`,
        `endColumn=${f.end.col}`,
        `title=${escapeProperty(`noetl lint: ${f.ruleId}`)}`,
      ];
      return `::${f.severity} ${props.join(',')}::${escapeData(`${f.message} [${f.ruleId}]`)}\n`;
    })
    .join('');
}
