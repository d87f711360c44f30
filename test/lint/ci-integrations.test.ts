/**
 * Lint where CI users expect it: the pre-commit hooks (.pre-commit-hooks.yaml), run by Debian's
 * `pre-commit` against a scratch git repository, and the GitHub Action (action.yml), whose lint
 * step is run as the runner would run it. Both run the built CLI (npm run build first).
 * Without pre-commit installed the hook tests skip, saying so; with CI=true (.ci/run installs
 * it) that is a failure.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { noetlBin, repoRoot } from '../helpers/cli.js';

const inCI = process.env.CI === 'true' || process.env.CI === '1';
const hasPreCommit = spawnSync('pre-commit', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasPreCommit) {
  if (inCI) throw new Error('pre-commit is not installed: with CI=true the hook tests must run (.ci/run installs the Debian package)');
  process.stderr.write('skipped: the pre-commit hook tests (pre-commit is not installed: apt-get install pre-commit)\n');
}

const BAD = `kind: Playbook\nworkload:\n  pg_auth: pg_local\nworkflow:\n  - step: a\n    tool: { kind: postgres, auth: "{{ workload.pg_aut }}", command: SELECT 1 }\n`;
const GOOD = BAD.replace('pg_aut ', 'pg_auth ');

const git = (cwd: string, ...args: string[]) => {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
};

/** A scratch repository with these files committed. */
function scratchRepo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'noetl-precommit-'));
  git(dir, 'init', '-q');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'init');
  return dir;
}

/** A folder with a `noetl` on it that runs this checkout's built CLI. */
function noetlOnPath(): string {
  const bin = mkdtempSync(join(tmpdir(), 'noetl-bin-'));
  writeFileSync(join(bin, 'noetl'), `#!/bin/sh\nexec "${process.execPath}" "${noetlBin}" "$@"\n`);
  chmodSync(join(bin, 'noetl'), 0o755);
  return bin;
}

/** `pre-commit try-repo` of this checkout's hooks, in `repo`, on `files` (all files when none). */
function tryRepo(repo: string, hook: string, files: string[] = []) {
  const env = { ...process.env, PATH: `${noetlOnPath()}:${process.env.PATH}`, PRE_COMMIT_HOME: mkdtempSync(join(tmpdir(), 'noetl-precommit-home-')), NO_COLOR: '1' };
  const args = ['try-repo', repoRoot, hook, ...(files.length > 0 ? ['--files', ...files] : ['--all-files'])];
  const r = spawnSync('pre-commit', args, { cwd: repo, encoding: 'utf8', env });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('.pre-commit-hooks.yaml', () => {
  const hooks = parse(readFileSync(join(repoRoot, '.pre-commit-hooks.yaml'), 'utf8')) as { id: string; entry: string; language: string; types: string[] }[];

  it('declares noetl-lint (installs noetl from this repository) and noetl-lint-system (the noetl on PATH), on YAML files', () => {
    expect(hooks.map((h) => [h.id, h.language, h.entry, h.types])).toEqual([
      ['noetl-lint', 'node', 'noetl lint --allow-empty', ['yaml']],
      ['noetl-lint-system', 'system', 'noetl lint --allow-empty', ['yaml']],
    ]);
    // The node hook installs this package with `npm pack`, which must build dist/ and print nothing but the tarball's name.
    expect(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).scripts.prepack).toMatch(/scripts\/build\.mjs/);
    expect(readFileSync(join(repoRoot, '.npmrc'), 'utf8')).toMatch(/^foreground-scripts=false$/m);
  });

  it.skipIf(!hasPreCommit)('pre-commit runs it in a repository: a finding fails the commit, a clean playbook and other YAML pass', () => {
    const repo = scratchRepo({ 'playbooks/bad.yaml': BAD, 'playbooks/good.yaml': GOOD, '.github/workflows/ci.yml': 'on: push\njobs: {}\n' });
    const failing = tryRepo(repo, 'noetl-lint-system');
    expect(failing.code).toBe(1);
    expect(failing.out).toContain("playbooks/bad.yaml:6:48: error: workload key 'pg_aut' is not declared; did you mean 'pg_auth'?");
    expect(failing.out).toMatch(/noetl lint\.+Failed/);

    expect(tryRepo(repo, 'noetl-lint-system', ['playbooks/good.yaml']).code).toBe(0);
    // A commit that touches only YAML that is not a playbook passes (--allow-empty).
    const other = tryRepo(repo, 'noetl-lint-system', ['.github/workflows/ci.yml']);
    expect(other.code).toBe(0);
    expect(other.out).toMatch(/noetl lint\.+Passed/);
  }, 60_000);

  // Installs this package with npm (its dependencies from the registry): slow and needs the network, so on request.
  it.skipIf(!hasPreCommit || process.env.NOETL_TEST_PRECOMMIT_NODE !== '1')('the node hook installs noetl itself (NOETL_TEST_PRECOMMIT_NODE=1)', () => {
    const repo = scratchRepo({ 'play.yaml': BAD });
    const env = { ...process.env, PRE_COMMIT_HOME: mkdtempSync(join(tmpdir(), 'noetl-precommit-home-')) };
    const r = spawnSync('pre-commit', ['try-repo', repoRoot, 'noetl-lint', '--all-files'], { cwd: repo, encoding: 'utf8', env });
    expect(r.status).toBe(1);
    expect(`${r.stdout}`).toContain("play.yaml:6:48: error: workload key 'pg_aut' is not declared");
  }, 900_000);
});

describe('action.yml (GitHub Action)', () => {
  const action = parse(readFileSync(join(repoRoot, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default: string }>;
    runs: { using: string; steps: { name?: string; uses?: string; run?: string; env?: Record<string, string> }[] };
  };
  const lintStep = action.runs.steps.find((s) => s.name === 'noetl lint')!;

  it('is a composite action: Node, an install of this repository, and noetl lint --format github', () => {
    expect(action.runs.using).toBe('composite');
    expect(action.runs.steps.map((s) => s.uses ?? s.name)).toEqual(['actions/setup-node@v4', 'Install noetl', 'noetl lint']);
    expect(lintStep.run).toContain('--format github');
    // No input is pasted into the script (script injection): they arrive as environment variables.
    for (const s of action.runs.steps) expect(s.run ?? '').not.toMatch(/\$\{\{/);
    expect(Object.keys(action.inputs)).toEqual(['paths', 'fail-level', 'args', 'node-version']);
  });

  /** The lint step's script, as the runner runs it: bash, the action's folder, the inputs in its env. */
  function runLintStep(workspace: string, inputs: Record<string, string>) {
    const value = (name: string) => inputs[name] ?? action.inputs[name].default;
    const env: NodeJS.ProcessEnv = { ...process.env, GITHUB_ACTION_PATH: repoRoot, NO_COLOR: '1' };
    for (const [k, v] of Object.entries(lintStep.env ?? {})) env[k] = v.replace(/\$\{\{ inputs\.([\w-]+) \}\}/, (_, name: string) => value(name));
    const r = spawnSync('bash', ['-e', '-c', lintStep.run!], { cwd: workspace, encoding: 'utf8', env });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it('annotates findings with workspace-relative paths and fails at the fail level', () => {
    const workspace = scratchRepo({ 'playbooks/bad.yaml': BAD, 'playbooks/good.yaml': GOOD });
    const r = runLintStep(workspace, { paths: 'playbooks' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      "::error file=playbooks/bad.yaml,line=6,col=48,endLine=6,endColumn=54,title=noetl lint%3A undefined-workload-key::workload key 'pg_aut' is not declared; did you mean 'pg_auth'? (workload declares: pg_auth) [undefined-workload-key]\n",
    );
    expect(runLintStep(workspace, { paths: 'playbooks/good.yaml' }).code).toBe(0);
    // Several paths, and arguments passed on; a path that looks like an option stays a path.
    expect(runLintStep(workspace, { paths: 'playbooks/good.yaml playbooks/bad.yaml', 'fail-level': 'warning', args: '--allow-empty' }).code).toBe(1);
    expect(runLintStep(workspace, { paths: '--help' }).stderr).toContain('--help: no such file or folder');
  });
});
