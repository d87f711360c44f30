/** The RULES section of noetl-lint(1): each rule's id, default severity, summary and documentation, examples included. */
import { RULES } from '../../lint/rules/index.js';

/** `roff` escapes text for roff (the man generator's). */
export function rulesManSection(roff: (text: string) => string): string[] {
  const lines = [
    '.SH RULES',
    roff('Each rule as noetl lint --list-rules lists it and noetl lint --explain RULE prints it. Every example is a playbook: linting it reports exactly the lines marked with the rule id.'),
  ];
  for (const rule of RULES) {
    lines.push(`.SS ${roff(`${rule.id} (${rule.defaultSeverity})`)}`, roff(`${rule.summary}.`));
    for (const block of rule.docs.split(/\n{2,}/)) {
      const rows = block.split('\n');
      if (rows.every((r) => r.startsWith('    '))) lines.push('.PP', '.RS 4', '.nf', ...rows.map((r) => roff(r.slice(4))), '.fi', '.RE');
      else if (rows.every((r) => /^(- |  )/.test(r))) {
        for (const item of block.split(/\n(?=- )/)) lines.push('.IP \\(bu 2', roff(item.replace(/^- /, '').replace(/\n\s*/g, ' ')));
      } else lines.push('.PP', roff(block.replace(/\n/g, ' ')));
    }
  }
  return lines;
}
