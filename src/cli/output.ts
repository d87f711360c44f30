import { createRequire } from 'node:module';
import type { IO } from './io.js';

// cli-table3 and yaml load on first use: most runs print neither a table on a TTY nor YAML,
// and start-up time is what every command pays.
const loadCjs = createRequire(import.meta.url);

export type OutputFormat = 'table' | 'json' | 'yaml';
export const OUTPUT_FORMATS: OutputFormat[] = ['table', 'json', 'yaml'];

export interface TableView {
  head: string[];
  rows: string[][];
}

/**
 * Prints data in the chosen format. JSON and YAML get `value` as it is (64-bit ids
 * are strings in it, so they print exactly); the table gets the `table` view.
 * Off a TTY the table is tab-separated with a header line, for cut/awk.
 */
export function printData(io: IO, format: OutputFormat, value: unknown, table: () => TableView): void {
  if (format === 'json') {
    io.stdout.write(JSON.stringify(value, jsonReplacer, 2) + '\n');
    return;
  }
  if (format === 'yaml') {
    const { stringify } = loadCjs('yaml') as typeof import('yaml');
    io.stdout.write(stringify(toPlain(value)));
    return;
  }
  const view = table();
  io.stdout.write(renderTable(view, io.stdoutIsTTY, io.color) + '\n');
}

/** A result in JSON or YAML; nothing for the table format, where the command says what it did in words. */
export function printStructured(io: IO, format: OutputFormat, value: unknown): void {
  if (format !== 'table') printData(io, format, value, () => ({ head: [], rows: [] }));
}

/**
 * Prints a report of several parts: JSON and YAML get `value` whole; the table view is the
 * `sections` (tables, or lines of text) one after another, a blank line between them.
 */
export function printSections(io: IO, format: OutputFormat, value: unknown, sections: () => (TableView | string)[]): void {
  if (format !== 'table') {
    printStructured(io, format, value);
    return;
  }
  const parts = sections().map((s) => (typeof s === 'string' ? s : renderTable(s, io.stdoutIsTTY, io.color)));
  io.stdout.write(parts.join('\n\n') + '\n');
}

export function renderTable(view: TableView, tty: boolean, color: boolean): string {
  if (!tty) return [view.head, ...view.rows].map((r) => r.join('\t')).join('\n');
  const Table = loadCjs('cli-table3') as typeof import('cli-table3');
  const table = new Table({
    head: view.head,
    style: { head: color ? ['bold'] : [], border: [], compact: true, 'padding-left': 0, 'padding-right': 2 },
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '',
      'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '',
    },
  });
  for (const row of view.rows) table.push(row);
  return table.toString().replace(/[ \t]+$/gm, '');
}

/** JSON with Dates as ISO strings and BigInts as exact decimal strings. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  return value;
}

function toPlain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, jsonReplacer) ?? 'null');
}

/** A key/value block for one record ("name: value" lines). */
export function keyValueView(pairs: [string, string][]): TableView {
  return { head: ['FIELD', 'VALUE'], rows: pairs.map(([k, v]) => [k, v]) };
}
