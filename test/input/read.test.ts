import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { readInputSpec, readObjectInput, readTextFile, type IO } from '../../src/cli/io.js';
import { readRegistrations } from '../../src/io/registrations.js';
import { readKeyFile } from '../../src/backends/sql/keys.js';
import { fails } from '../helpers/errors.js';
import { memIO } from '../helpers/memio.js';

const MiB = 1024 * 1024;

/** A file no one may read, root included (a write-only /proc file), or one made mode 000 when not root; undefined when neither can be had. */
function unreadableFile(dir: string): string | undefined {
  if (process.getuid?.() !== 0) {
    const path = join(dir, 'unreadable.json');
    writeFileSync(path, '{}');
    chmodSync(path, 0o000);
    return path;
  }
  return existsSync('/proc/sys/vm/compact_memory') ? '/proc/sys/vm/compact_memory' : undefined;
}

/** An IO whose stdin never ends, counting what was taken from it. */
function endlessStdin(): { io: IO; taken(): number } {
  let taken = 0;
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const stdin = new Readable({
    read() {
      taken += chunk.length;
      this.push(chunk);
    },
  });
  return { io: { ...memIO().io, stdin }, taken: () => taken };
}

describe('reading input: one reader, one limit, one line per problem', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'noetl-read-'));
    mkdirSync(join(dir, 'a-directory'));
  });

  it('an input file: missing exits 3, a directory or an unreadable file 2, each one line naming the flag', async () => {
    const { io } = memIO();
    const missing = await fails(readObjectInput(`@${join(dir, 'nope.yaml')}`, '--data', io));
    expect([missing.code, missing.message]).toEqual(['not_found', `cannot read ${join(dir, 'nope.yaml')} (--data): no such file`]);
    const directory = await fails(readObjectInput(`@${join(dir, 'a-directory')}`, '--workload', io));
    expect([directory.code, directory.message]).toEqual(['invalid', `cannot read ${join(dir, 'a-directory')} (--workload): it is a directory; give a file`]);
    const playbook = await fails(readTextFile(join(dir, 'a-directory'), 'playbook file x'));
    expect([playbook.code, playbook.message]).toEqual(['invalid', 'cannot read playbook file x: it is a directory; give a file']);
    const under = await fails(readInputSpec(`@${join(dir, 'a-directory', 'x', 'y.json')}`, '--value', io));
    expect(under.code).toBe('not_found');
    const unreadable = unreadableFile(dir);
    if (unreadable) {
      const denied = await fails(readInputSpec(`@${unreadable}`, '--value', io));
      expect([denied.code, denied.message]).toEqual(['invalid', `cannot read ${unreadable} (--value): permission denied; check the file's owner and mode`]);
    } else {
      console.log('skipped the unreadable-file case: running as root without /proc/sys/vm/compact_memory');
    }
    // credential add -f / credential validate: a missing path is not found too.
    expect(() => readRegistrations(join(dir, 'no-such-folder'))).toThrow(expect.objectContaining({ code: 'not_found' }));
    const noFile = await fails(readObjectInput('@', '--data', io));
    expect([noFile.code, noFile.message]).toEqual(['invalid', '--data @ names no file: give --data @FILE']);
  });

  it('refuses a value given inline, and - when stdin is a terminal', async () => {
    const inline = await fails(readObjectInput('{"password":"hunter2"}', '--data', memIO().io));
    expect(inline.code).toBe('invalid');
    expect(inline.message).toMatch(/^refusing --data given inline: command-line arguments leak into shell history/);
    expect(inline.message).not.toContain('hunter2');
    const terminal = await fails(readInputSpec('-', '--value', memIO({ tty: true }).io));
    expect([terminal.code, terminal.message]).toEqual(['invalid', '--value - reads stdin, but stdin is a terminal: pipe the data in, or give --value @FILE']);
  });

  it('4 MiB is the limit of a file and of stdin, checked while reading: an endless input stops there', async () => {
    // {"a": "…"} is 9 bytes around the x's: exactly 4 MiB, then one byte more.
    const exact = join(dir, 'exact.json');
    writeFileSync(exact, `{"a": "${'x'.repeat(4 * MiB - 9)}"}`);
    expect(Object.keys(await readObjectInput(`@${exact}`, '--data', memIO().io))).toEqual(['a']);
    const over = join(dir, 'over.json');
    writeFileSync(over, `{"a": "${'x'.repeat(4 * MiB - 8)}"}`);
    const tooLarge = await fails(readObjectInput(`@${over}`, '--data', memIO().io));
    expect([tooLarge.code, tooLarge.message]).toEqual(['invalid', `${over} (--data) is larger than 4 MiB, the limit for this input: nothing was read`]);
    if (existsSync('/dev/zero')) {
      const zero = await fails(readInputSpec('@/dev/zero', '--value', memIO().io));
      expect(zero.message).toBe('/dev/zero (--value) is larger than 4 MiB, the limit for this input: nothing was read');
    }
    const endless = endlessStdin();
    const piped = await fails(readObjectInput('-', '--data', endless.io));
    expect([piped.code, piped.message]).toEqual(['invalid', '--data - (stdin) is larger than 4 MiB, the limit for this input: nothing was read']);
    expect(endless.taken()).toBeLessThan(5 * MiB);
  });

  it('a key file is at most 4 KiB, checked while reading', () => {
    const big = join(dir, 'big.key');
    writeFileSync(big, 'A'.repeat(5000), { mode: 0o600 });
    expect(() => readKeyFile(big, '--key-file', () => undefined)).toThrow(`key file ${big} (--key-file) is larger than 4 KiB, the limit for this input: nothing was read`);
  });

  it('reads YAML by a .yaml/.yml name, JSON by .json, either by content otherwise', async () => {
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return `@${join(dir, name)}`;
    };
    const { io } = memIO();
    expect(await readObjectInput(write('t.yaml', 'access_token: abc\nexpires_in: 3600\n'), '--data', io)).toEqual({ access_token: 'abc', expires_in: 3600 });
    expect(await readObjectInput(write('flow.yml', '{a: 1}'), '--data', io)).toEqual({ a: 1 });
    expect(await readObjectInput(write('t.json', '{"a": 1}'), '--data', io)).toEqual({ a: 1 });
    expect(await readObjectInput(write('t.txt', 'a: 1\n'), '--data', io)).toEqual({ a: 1 });
    const list = await fails(readObjectInput(write('list.yaml', '- a\n'), '--data', io));
    expect(list.message).toBe(`${join(dir, 'list.yaml')}: expected a JSON/YAML object of fields, got a list`);
    expect(await readObjectInput('-', '--data', memIO({ stdin: 'token: t\n' }).io)).toEqual({ token: 't' });
  });
});
