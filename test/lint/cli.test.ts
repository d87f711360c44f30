import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_MODULE, modulesLoadedBy, runCli } from '../helpers/cli.js';

const BAD = `kind: Playbook\nworkload:\n  pg_auth: pg_local\nworkflow:\n  - step: a\n    tool: { kind: postgres, auth: "{{ workload.pg_aut }}" }\n`;
const GOOD = BAD.replace('pg_aut ', 'pg_auth ');

let dir: string;
const env = { ...process.env, NO_COLOR: '1' };
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'noetl-lint-cli-'));
  writeFileSync(join(dir, 'bad.yaml'), BAD);
  writeFileSync(join(dir, 'good.yaml'), GOOD);
});

describe('noetl lint (built CLI)', () => {
  it('prints the finding with its source line and underline; exit 1; summary on stderr', async () => {
    const r = await runCli(['lint', 'bad.yaml'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      "bad.yaml:6:48: workload key 'pg_aut' is not declared; did you mean 'pg_auth'? (workload declares: pg_auth) [undefined-workload-key]\n" +
        ' 6 |     tool: { kind: postgres, auth: "{{ workload.pg_aut }}" }\n' +
        '   |                                                ^~~~~~\n',
    );
    expect(r.stderr).toBe('1 file linted: 1 error, 0 warnings\n');
  });

  it('exit 0 on a clean file', async () => {
    expect((await runCli(['lint', 'good.yaml'], { cwd: dir, env })).code).toBe(0);
  });

  it('reads stdin with -', async () => {
    const r = await runCli(['lint', '-', '--stdin-filename', 'ci/play.yaml', '--format', 'github'], { cwd: dir, env, input: BAD });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error file=ci\/play\.yaml,line=6,col=48,endLine=6,endColumn=54,/);
  });

  it('usage errors exit 2', async () => {
    expect((await runCli(['lint'], { cwd: dir, env })).code).toBe(2);
    expect((await runCli(['lint', '--format', 'xml', 'bad.yaml'], { cwd: dir, env })).code).toBe(2);
    expect((await runCli(['lint', 'missing.yaml'], { cwd: dir, env })).code).toBe(2);
  });

  it('exits 3 when --check-credentials cannot open the database', async () => {
    const r = await runCli(['--database-url', 'postgres://postgres@127.0.0.1:1/none', 'lint', '--check-credentials', 'bad.yaml'], { cwd: dir, env });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: --check-credentials: cannot open the database: .*127\.0\.0\.1.*\n$/);
  });

  it('-o json selects the json format', async () => {
    const r = await runCli(['-o', 'json', 'lint', 'bad.yaml'], { cwd: dir, env });
    expect(JSON.parse(r.stdout)[0]).toMatchObject({ path: 'bad.yaml', line: 6, column: 48 });
  });

  it('loads no database code, even with findings', () => {
    const { code, modules } = modulesLoadedBy(['lint', 'bad.yaml'], { cwd: dir, env });
    expect(code).toBe(1);
    expect(modules.length).toBeGreaterThan(0);
    expect(modules.filter((url) => DATABASE_MODULE.test(url))).toEqual([]);
  });
});

describe('noetl lint on many files (worker threads)', () => {
  it('lints across threads with the same findings as in one thread', async () => {
    const many = mkdtempSync(join(tmpdir(), 'noetl-lint-many-'));
    for (let i = 0; i < 120; i++) writeFileSync(join(many, `p${String(i).padStart(3, '0')}.yaml`), i % 7 === 0 ? BAD : GOOD);
    const one = await runCli(['lint', '.'], { cwd: many, env: { ...env, NOETL_LINT_JOBS: '1' } });
    const three = await runCli(['lint', '.'], { cwd: many, env: { ...env, NOETL_LINT_JOBS: '3' } });
    expect(one.code).toBe(1);
    expect(three).toEqual(one);
    expect(one.stderr).toBe('120 files linted: 18 errors, 0 warnings\n');
    expect(one.stdout).toContain(' 6 |     tool: { kind: postgres, auth: "{{ workload.pg_aut }}" }\n');
  });
});
