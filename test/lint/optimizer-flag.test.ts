import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memIO } from '../helpers/memio.js';

// The flag is the whole process's: record what runLint sets instead of changing it.
const flags = vi.hoisted(() => [] as string[]);
vi.mock('node:v8', async (original) => ({ ...(await original<typeof import('node:v8')>()), setFlagsFromString: (f: string) => flags.push(f) }));
const { runLint } = await import('../../src/cli/lint/run.js');

const base = { format: 'compact' as const, failLevel: 'error' as const, listRules: false, checkCredentials: false, quiet: true };
const PLAYBOOK = 'kind: Playbook\nworkflow:\n  - step: a\n    tool: python\n';

afterEach(() => {
  flags.length = 0;
});

describe("lint defers V8's optimizing compiler and always turns it back on", () => {
  it('off for a small run, on again when it ends', async () => {
    const m = memIO({ stdin: PLAYBOOK });
    await expect(runLint({ ...base, paths: ['-'] }, { io: m.io, cwd: '.', version: '1' })).resolves.toBe(0);
    expect(flags).toEqual(['--no-turbofan', '--turbofan']);
  });

  it('on again when linting fails (stdin cannot be read)', async () => {
    const m = memIO();
    m.io.stdin = new Readable({ read() { this.destroy(Object.assign(new Error('boom'), { code: 'EIO' })); } });
    await expect(runLint({ ...base, paths: ['-'] }, { io: m.io, cwd: '.', version: '1' })).rejects.toMatchObject({ exitCode: 3 });
    expect(flags).toEqual(['--no-turbofan', '--turbofan']);
  });

  it('overlapping runs turn it off once and on once, when the last ends', async () => {
    const runs = [memIO({ stdin: PLAYBOOK }), memIO({ stdin: PLAYBOOK })].map((m) => runLint({ ...base, paths: ['-'] }, { io: m.io, cwd: '.', version: '1' }));
    await Promise.all(runs);
    expect(flags).toEqual(['--no-turbofan', '--turbofan']);
  });
});
