import { describe, expect, it } from 'vitest';
import { NoetlError, systemError } from '../../src/core/errors.js';
import { escapeControls, fitColumns, forTerminal, guardTerminal, printData, renderTable } from '../../src/cli/output.js';
import { memIO } from '../helpers/memio.js';
import { terminalCells } from '../helpers/terminal.js';

const ESC = '\x1b';

describe('control characters in what people read', () => {
  it('escapeControls writes every control character as an escape that reads back as it', () => {
    const raw = `a\tb\nc\rd${ESC}[2J${ESC}]0;title\x07\x7f\u009b\u2028\u202e ünïcödé 日本語 \\n`;
    const escaped = escapeControls(raw);
    expect(escaped).toBe('a\\tb\\nc\\rd\\u001b[2J\\u001b]0;title\\u0007\\u007f\\u009b\\u2028\\u202e ünïcödé 日本語 \\n');
    expect(JSON.parse(`"${escaped.replace(' \\n', '')}"`)).toBe(raw.replace(' \\n', ''));
  });

  it('a TAB or LF in a cell forges no column and no row, off a terminal or on one', () => {
    const view = { head: ['NAME', 'DESCRIPTION'], rows: [['a\tforged', `one\nb\tforged${ESC}[2J`]] };
    const tsv = renderTable(view, false, false);
    expect(tsv.split('\n')).toEqual(['NAME\tDESCRIPTION', 'a\\tforged\tone\\nb\\tforged\\u001b[2J']);
    const table = renderTable(view, true, false);
    expect(table.split('\n')).toHaveLength(2);
    expect(table).not.toMatch(/[\x00-\x08\x0b-\x1f]/);
  });

  it('JSON and YAML carry DEL and C1 controls escaped, the same data', async () => {
    const value = { text: `x${ESC}[2J\u009b\x7f` };
    for (const format of ['json', 'yaml'] as const) {
      const m = memIO();
      printData(m.io, format, value, () => ({ head: [], rows: [] }));
      expect(m.stdout(), format).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
      const back = format === 'json' ? JSON.parse(m.stdout()) : (await import('yaml')).parse(m.stdout());
      expect(back, format).toEqual(value);
    }
  });

  it('on a terminal only our own sequences pass: colors, and a CR that redraws a progress line', () => {
    expect(forTerminal('\r\x1b[Klinting 3/4')).toBe('\r\x1b[Klinting 3/4');
    expect(forTerminal('\rdeleted 5…')).toBe('\rdeleted 5…');
    expect(forTerminal(`${ESC}[1mhead${ESC}[22m ${ESC}[31m[rule]${ESC}[0m\ta\n`)).toBe(`${ESC}[1mhead${ESC}[22m ${ESC}[31m[rule]${ESC}[0m\ta\n`);
    expect(forTerminal(`error: 'x\r${ESC}[K${ESC}[2J${ESC}]0;t\x07${ESC}[8m\u009b\u202e'\n`)).toBe(
      "error: 'x\\r\\u001b[K\\u001b[2J\\u001b]0;t\\u0007\\u001b[8m\\u009b\\u202e'\n",
    );
    // stderr always, stdout only on a terminal (off one it is data for scripts, kept exact).
    const piped = memIO();
    const guarded = guardTerminal(piped.io);
    guarded.stdout.write(`${ESC}[2J`);
    guarded.stderr.write(`${ESC}[2J`);
    expect([piped.stdout(), piped.stderr()]).toEqual([`${ESC}[2J`, '\\u001b[2J']);
    const tty = memIO({ tty: true });
    guardTerminal(tty.io).stdout.write(`${ESC}[2J`);
    expect(tty.stdout()).toBe('\\u001b[2J');
  });
});

describe('tables on a terminal fit its width', () => {
  it('long columns (free text) are cut first; short ones (ids, times, names) stay whole while that leaves room', () => {
    expect(fitColumns([10, 30, 50, 8], 200)).toEqual([10, 30, 50, 8]);
    // 60 columns, plus the trailing gap of the last column that is trimmed: 62 to share.
    expect(fitColumns([10, 30, 50, 8], 60)).toEqual([10, 30, 14, 8]);
    expect(fitColumns([7, 8, 6, 26, 170, 40], 100)).toEqual([7, 8, 6, 26, 27, 28]);
    expect(fitColumns([7, 8, 6, 26, 170, 40], 140)).toEqual([7, 8, 6, 26, 55, 40]);
    // Too narrow for that: every column is cut, the narrow ones last.
    expect(fitColumns([7, 8, 6, 26, 170], 40)).toEqual([7, 8, 6, 11, 10]);
    expect(fitColumns([40, 40, 40], 10)).toEqual([6, 6, 6]);
  });

  it('cuts long cells with … and measures wide characters as two cells', () => {
    const view = { head: ['NAME', 'DESCRIPTION'], rows: [['a', 'x'.repeat(100)], ['ünïcödé', '日本語のとても長い説明文がここにあります']] };
    const lines = renderTable(view, true, false, 30).split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(terminalCells(line), line).toBeLessThanOrEqual(30);
    expect(lines[1]).toMatch(/^a +x+…$/);
    expect(lines[2]).toMatch(/^ünïcödé +日本語.*…$/);
    expect(renderTable(view, true, false).split('\n')[1]).toContain('x'.repeat(100));
  });
});

describe('operating-system errors that reach the top', () => {
  const fsError = (code: string, syscall: string, path?: string) => Object.assign(new Error(`${code}: …`), { code, syscall, path });

  it('become one line saying what and where, exit 2 (3 for a missing file)', () => {
    expect(systemError(fsError('EISDIR', 'read', '/tmp/dir'))).toMatchObject({
      message: 'cannot read /tmp/dir: is a directory (EISDIR): give a file',
      code: 'invalid',
    });
    expect(systemError(fsError('ENOENT', 'open', '/x/y.lock'))).toMatchObject({ code: 'not_found' });
    for (const code of ['EACCES', 'EPERM', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG', 'EROFS']) {
      expect(systemError(fsError(code, 'open', '/p'))?.code, code).toBe('invalid');
    }
    expect(systemError(fsError('ENOSPC', 'write'))).toMatchObject({ message: 'cannot write: no space left on device (ENOSPC): free some space and retry', code: 'unavailable' });
    expect(systemError(fsError('EACCES', 'open', '/p'))).toBeInstanceOf(NoetlError);
  });

  it('anything else is left to be reported as a bug', () => {
    expect(systemError(new Error('boom'))).toBeUndefined();
    expect(systemError(Object.assign(new Error('x'), { code: 'EISDIR' }))).toBeUndefined();
    expect(systemError(Object.assign(new Error('relation missing'), { code: '42P01' }))).toBeUndefined();
    expect(systemError('EISDIR')).toBeUndefined();
  });
});
