/**
 * lintPaths(): the library call behind `noetl lint` (and a server's lint endpoint): files,
 * folders and stdin in, findings and what was linted out; no printing, no exit code, and no
 * change to the process (V8's flags are left alone).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Record any V8 flag lint would set: it must set none (the flags are the whole process's).
const flags = vi.hoisted(() => [] as string[]);
vi.mock('node:v8', async (original) => ({ ...(await original<typeof import('node:v8')>()), setFlagsFromString: (f: string) => flags.push(f) }));
const { lintPaths, LintPathsError } = await import('../../src/lint/paths.js');
const { runLint } = await import('../../src/cli/lint/run.js');
const { memIO } = await import('../helpers/memio.js');

const PLAYBOOK = (auth: string) => `kind: Playbook\nworkload:\n  pg_auth: ${auth}\nworkflow:\n  - step: a\n    tool: { kind: postgres, auth: "{{ workload.pg_auth }}", command: "{{ workload.nope }}" }\n`;

describe('lintPaths', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'noetl-lint-paths-'));
    mkdirSync(join(dir, 'playbooks/nested'), { recursive: true });
    mkdirSync(join(dir, 'playbooks/fixtures'));
    writeFileSync(join(dir, 'playbooks/a.yaml'), PLAYBOOK('pg_local'));
    writeFileSync(join(dir, 'playbooks/nested/b.yml'), PLAYBOOK('pg_missing'));
    writeFileSync(join(dir, 'playbooks/not-a-playbook.yaml'), 'just: yaml\n');
    writeFileSync(join(dir, 'playbooks/fixtures/broken.yaml'), 'kind: Playbook\nworkflow: [\n');
    writeFileSync(join(dir, 'playbooks/.noetl-lint.yaml'), 'rules:\n  undefined-workload-key: warning\nignore:\n  - fixtures/**\n');
    symlinkSync(join(dir, 'playbooks'), join(dir, 'playbooks/nested/loop'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lints a folder: config per folder, ignored files counted, a link cycle warned about, lines for the report', async () => {
    const warnings: string[] = [];
    const result = await lintPaths({ paths: ['playbooks'], cwd: dir, onWarning: (w) => warnings.push(w) });
    expect(result.findings.map((f) => `${f.path}:${f.start.line} ${f.severity} ${f.ruleId}`)).toEqual([
      'playbooks/a.yaml:6 warning undefined-workload-key',
      'playbooks/nested/b.yml:6 warning undefined-workload-key',
    ]);
    expect(result.inputs).toEqual([
      { path: 'playbooks/a.yaml', named: false, stdin: false, playbooks: 1, findings: 1 },
      { path: 'playbooks/nested/b.yml', named: false, stdin: false, playbooks: 1, findings: 1 },
      { path: 'playbooks/not-a-playbook.yaml', named: false, stdin: false, playbooks: 0, findings: 0 },
    ]);
    expect(result.ignored).toBe(1);
    expect(warnings).toEqual(['playbooks/nested/loop: a symbolic link back to a folder that contains it; not followed']);
    expect(result.lineOf('playbooks/a.yaml', 6)).toContain('{{ workload.nope }}');
    expect(flags).toEqual([]);
  });

  it('reads - from the stdin it is given, named by stdinFilename; checks credentials with the lookup it is given', async () => {
    const asked: string[][] = [];
    const result = await lintPaths({
      paths: ['-', 'playbooks/a.yaml'],
      cwd: dir,
      stdin: async () => PLAYBOOK('pg_missing'),
      stdinFilename: 'playbooks/c.yaml',
      missingCredentials: async (names) => {
        asked.push(names);
        return new Set(names.filter((n) => n !== 'pg_local'));
      },
    });
    expect(asked).toEqual([['pg_missing', 'pg_local']]);
    expect(result.findings.filter((f) => f.ruleId === 'missing-credential').map((f) => `${f.path}:${f.start.line}:${f.start.col}`)).toEqual(['playbooks/c.yaml:6:39']);
    expect(result.inputs.map((i) => [i.path, i.named, i.stdin])).toEqual([
      ['playbooks/c.yaml', true, true],
      ['playbooks/a.yaml', true, false],
    ]);
  });

  it('says why a run cannot be made, with the operations layer codes (the CLI maps them to exit codes)', async () => {
    await expect(lintPaths({ paths: [], cwd: dir })).rejects.toMatchObject({ code: 'invalid' });
    await expect(lintPaths({ paths: ['-', '-'], cwd: dir })).rejects.toMatchObject({ code: 'invalid', message: '- (stdin) can be given only once' });
    await expect(lintPaths({ paths: ['missing.yaml'], cwd: dir })).rejects.toMatchObject({ code: 'not_found', message: 'missing.yaml: no such file or folder' });
    await expect(lintPaths({ paths: ['-'], cwd: dir, stdin: async () => Promise.reject(new Error('EIO')) })).rejects.toBeInstanceOf(LintPathsError);
    mkdirSync(join(dir, 'badconfig'));
    writeFileSync(join(dir, 'badconfig/.noetl-lint.yaml'), 'rules:\n  no-such-rule: off\n');
    writeFileSync(join(dir, 'badconfig/p.yaml'), PLAYBOOK('pg_local'));
    await expect(lintPaths({ paths: ['badconfig'], cwd: dir })).rejects.toMatchObject({ code: 'invalid' });
  });

  it('runLint (the CLI) is a thin layer over it, and sets no V8 flag either', async () => {
    const m = memIO({ stdin: PLAYBOOK('pg_local') });
    const code = await runLint({ paths: ['-'], format: 'compact', failLevel: 'error', listRules: false, checkCredentials: false, quiet: true }, { io: m.io, cwd: dir, version: '1' });
    expect(code).toBe(1);
    expect(m.stdout()).toBe("<stdin>:6:83: error: workload key 'nope' is not declared (workload declares: pg_auth) [undefined-workload-key]\n");
    expect(flags).toEqual([]);
  });
});
