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
    io.stdout.write(escapeRawControls(JSON.stringify(value, jsonReplacer, 2)) + '\n');
    return;
  }
  if (format === 'yaml') {
    const { stringify } = loadCjs('yaml') as typeof import('yaml');
    io.stdout.write(escapeRawControls(stringify(toPlain(value))));
    return;
  }
  const view = table();
  io.stdout.write(renderTable(view, io.stdoutIsTTY, io.color, terminalColumns(io)) + '\n');
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
  const parts = sections().map((s) => (typeof s === 'string' ? s : renderTable(s, io.stdoutIsTTY, io.color, terminalColumns(io))));
  io.stdout.write(parts.join('\n\n') + '\n');
}

/**
 * A table: on a terminal, aligned columns that fit in `columns` (long cells cut short with
 * `…`); off a terminal, tab-separated lines. Cells are escaped (escapeControls), so a TAB or
 * LF in a value can never make a column or a row of its own.
 */
export function renderTable(view: TableView, tty: boolean, color: boolean, columns?: number): string {
  const head = view.head.map(escapeControls);
  const rows = view.rows.map((row) => row.map(escapeControls));
  if (!tty) return [head, ...rows].map((r) => r.join('\t')).join('\n');
  const Table = loadCjs('cli-table3') as typeof import('cli-table3');
  const table = new Table({
    head,
    colWidths: columns === undefined ? [] : fitColumns(naturalWidths([head, ...rows]), columns),
    style: { head: color ? ['bold'] : [], border: [], compact: true, 'padding-left': 0, 'padding-right': CELL_GAP },
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '',
      'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '',
    },
  });
  for (const row of rows) table.push(row);
  return table.toString().replace(/[ \t]+$/gm, '');
}

/** The spaces after each cell of a terminal table. */
const CELL_GAP = 2;
/** No column is cut narrower than this (gap included): a few characters and the `…`. */
const MIN_COLUMN_WIDTH = 6;
/** Columns this wide or narrower (ids, times, names) stay whole while the wider ones get at least LONG_COLUMN_MIN_WIDTH. */
const WHOLE_COLUMN_WIDTH = 30;
const LONG_COLUMN_MIN_WIDTH = 12;

/** Each column's width as printed whole: its widest cell in terminal cells (wide CJK characters count 2), and the gap. */
function naturalWidths(lines: string[][]): number[] {
  // cli-table3's own measure, so the widths agree with how it pads and cuts.
  const { strlen } = loadCjs('cli-table3/src/utils.js') as { strlen(text: string): number };
  const widths: number[] = [];
  for (const line of lines) line.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, strlen(cell) + CELL_GAP)));
  return widths;
}

/**
 * Column widths that fit in `available` terminal cells. Only the long columns (free text) are
 * cut while that leaves them some room; past that, every column is. Among the columns cut,
 * those narrower than an even share keep their width and the wider ones share the rest.
 */
export function fitColumns(natural: number[], available: number): number[] {
  // The last column's gap is trimmed from the line, so the table may use that much more.
  const room = available + CELL_GAP;
  const total = (columns: number[]) => columns.reduce((sum, c) => sum + natural[c], 0);
  const all = natural.map((_, c) => c);
  if (total(all) <= room) return natural;
  const long = all.filter((c) => natural[c] > WHOLE_COLUMN_WIDTH);
  const roomForLong = room - total(all.filter((c) => natural[c] <= WHOLE_COLUMN_WIDTH));
  if (long.length > 0 && roomForLong >= long.length * LONG_COLUMN_MIN_WIDTH) return shareRoom(natural, long, roomForLong);
  return shareRoom(natural, all, room);
}

/** `natural` with `columns` fitted into `room`, narrowest first: each keeps its width while it is within an even share of what is left. */
function shareRoom(natural: number[], columns: number[], room: number): number[] {
  const widths = [...natural];
  const narrowestFirst = [...columns].sort((a, b) => natural[a] - natural[b]);
  let left = room;
  for (const [n, column] of narrowestFirst.entries()) {
    const rest = narrowestFirst.slice(n);
    const share = Math.floor(left / rest.length);
    if (natural[column] <= share) {
      left -= natural[column];
      continue;
    }
    rest.forEach((c, k) => (widths[c] = Math.max(MIN_COLUMN_WIDTH, share + (k < left % rest.length ? 1 : 0))));
    break;
  }
  return widths;
}

/** The width of the terminal stdout is on; undefined off a terminal. */
function terminalColumns(io: IO): number | undefined {
  if (!io.stdoutIsTTY) return undefined;
  const target = io.stdout instanceof TerminalWriter ? io.stdout.target : io.stdout;
  const columns = (target as { columns?: unknown }).columns;
  return typeof columns === 'number' && columns > 0 ? columns : undefined;
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

// What must never reach a terminal as it is: C0 and C1 control characters and DEL (a terminal
// acts on them: ESC[2J clears the screen, ESC]0;…BEL sets the title, LF starts a row), the
// Unicode line and paragraph separators, and the bidirectional overrides and isolates (they
// make text show as something else).
const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const SHORT_ESCAPES: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One unsafe character as an escape that JSON, YAML and JavaScript read back as that character: `\n`, `\u001b`. */
const escapeCharacter = (c: string) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** `text` with every control character written as an escape (`a\tb`, `\u001b[2J`): one line, shown as it is. */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE_TEXT, escapeCharacter);
}

/**
 * DEL and C1 controls escaped in JSON or YAML text. JSON.stringify escapes only C0, and the yaml
 * package double-quotes a string holding them but leaves them raw inside the quotes: in both,
 * the escape reads back as the same character, so the data is unchanged.
 */
function escapeRawControls(text: string): string {
  return text.replace(/[\u007f-\u009f]/g, escapeCharacter);
}

/**
 * In text written to a terminal, everything of UNSAFE_TEXT is escaped but LF and TAB, the
 * colors we paint with (bold, dim, red, yellow, their resets), and a CR (or CR and
 * erase-line) that opens a write, which redraws a progress line.
 */
const TERMINAL_UNSAFE = /\x1b\[(?:[012]|22|3[13])m|\r\x1b\[K|[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `chunk` safe to write to a terminal: control characters that are not our own are escaped. */
export function forTerminal(chunk: string): string {
  return chunk.replace(TERMINAL_UNSAFE, (match: string, offset: number) => {
    const ours = (match.length > 1 && match[0] === '\x1b') || (offset === 0 && match[0] === '\r');
    return ours ? match : match.replace(UNSAFE_TEXT, escapeCharacter);
  });
}

/** A writer for text people read (stderr; stdout on a terminal): everything written goes through forTerminal. */
export class TerminalWriter {
  constructor(readonly target: IO['stdout']) {}

  write(chunk: string): unknown {
    return this.target.write(forTerminal(chunk));
  }
}

/**
 * The IO of a run with its human channels guarded: stderr always (messages, warnings,
 * prompts), stdout on a terminal. Off a terminal stdout stays exact, for scripts: tables are
 * escaped cell by cell, JSON and YAML carry escapes, `--reveal` prints the value as it is.
 */
export function guardTerminal(io: IO): IO {
  return { ...io, stdout: io.stdoutIsTTY ? new TerminalWriter(io.stdout) : io.stdout, stderr: new TerminalWriter(io.stderr) };
}

/** The stream behind a guarded writer, for a prompt that draws on the terminal itself. */
export function terminalStream(writer: IO['stderr']): IO['stderr'] {
  return writer instanceof TerminalWriter ? writer.target : writer;
}
