import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { completionScript, SHELLS } from '../../src/cli/gen/completion.js';
import { manPages } from '../../src/cli/gen/man.js';
import { examples, flatten, walk } from '../../src/cli/gen/tree.js';
import { colorEnabled } from '../../src/cli/io.js';
import { buildProgram } from '../../src/cli/program.js';
import { RunContext } from '../../src/cli/run-context.js';
import { repoRoot, runCli } from '../helpers/cli.js';
import { memIO } from '../helpers/memio.js';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));

function program(): Promise<Command> {
  return buildProgram(new RunContext(memIO().io, {}));
}

describe('the command tree', () => {
  it('prints the package version (smoke: the launcher answers it before the tree loads)', async () => {
    const r = await runCli(['--version'], { subprocess: true });
    expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    expect((await runCli(['--version'])).stdout).toBe(`${pkg.version}\n`);
    const long = await runCli(['-o', 'json', '--version']);
    expect(long.stdout.trim()).toBe(pkg.version);
  });

  it('builds only the noun a command line names, and the whole tree otherwise', async () => {
    const nouns = async (argv: string[]) => (await buildProgram(new RunContext(memIO().io, {}), argv)).commands.map((c) => c.name());
    const all = (await program()).commands.map((c) => c.name());
    expect(all).toEqual(['credential', 'keychain', 'catalog', 'vars', 'cache', 'render', 'lint', 'db', 'serve', 'gateway', 'token', 'context', 'status', 'auth', 'access', 'user', 'role', 'run', 'execution', 'completion']);
    expect(await nouns(['lint', 'a.yaml'])).toEqual(['lint']);
    expect(await nouns(['credentials', 'ls'])).toEqual(['credential']);
    expect(await nouns(['--data-dir', 'lint', '-o', 'json', '--no-color', 'keychain', 'ls'])).toEqual(['keychain']);
    for (const argv of [[], ['--help'], ['lnit'], ['completion', 'bash'], ['--', 'lint'], ['help', 'lint']]) expect(await nouns(argv), argv.join(' ')).toEqual(all);
  });

  it('has a description and real examples on every command', async () => {
    for (const node of flatten(walk(await program()))) {
      expect(node.command.description(), node.path.join(' ')).not.toBe('');
      const list = examples(node.command);
      expect(list.length, `${node.path.join(' ')} has no examples`).toBeGreaterThan(0);
      for (const e of list) expect(e, node.path.join(' ')).toMatch(/noetl\b/);
    }
  });

  it('exits 2 and suggests the closest name for an unknown command or flag', async () => {
    const cmd = await runCli(['db', 'stauts']);
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toBe("error: unknown command 'stauts' (did you mean status?); see 'noetl db --help'\n");
    const flag = await runCli(['db', 'status', '--exit-cod']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('(did you mean --exit-code?)');
    expect(flag.stderr.trim().split('\n')).toHaveLength(1);
    const noun = await runCli(['dbb']);
    expect(noun.code).toBe(2);
    expect(noun.stderr).toContain('did you mean db?');
  });

  it('refuses a bad global option value with exit 2', async () => {
    const r = await runCli(['-o', 'xml', 'db', 'status']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: option '-o, --output <format>' argument 'xml' is invalid/);
    const t = await runCli(['--lock-timeout', 'soon', 'db', 'status']);
    expect(t.code).toBe(2);
    expect(t.stderr).toContain('expected a duration such as 30s');
  });

  it("reads commander's invalid-argument errors as one clause, with no full stop before the pointer to --help", async () => {
    const timeout = await runCli(['--lock-timeout', '5q', 'db', 'status']);
    expect([timeout.code, timeout.stderr]).toEqual([2, "error: option '--lock-timeout <duration>' argument '5q' is invalid: expected a duration such as 30s, 2m or 0; see 'noetl --help'\n"]);
    const ttl = await runCli(['token', 'create', 'ci', '--role', 'reader', '--ttl', '5x']);
    expect([ttl.code, ttl.stderr]).toEqual([2, "error: option '--ttl <duration>' argument '5x' is not a duration: use e.g. 90s, 30m, 24h or 7d, or never; see 'noetl token create --help'\n"]);
    const role = await runCli(['token', 'create', 'ci', '--role', 'god']);
    expect(role.stderr).toMatch(/Allowed choices are reader, writer, revealer, admin; see 'noetl token create --help'\n$/);
  });

  it('shows help on stdout with exit 0, and the global options on every command', async () => {
    const r = await runCli(['db', 'migrate', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: noetl db migrate');
    expect(r.stdout).toContain('--database-url');
    expect(r.stdout).toContain('Examples:');
  });
});

describe('color', () => {
  it('only on a TTY, never with NO_COLOR or --no-color', () => {
    expect(colorEnabled(true, {}, false)).toBe(true);
    expect(colorEnabled(false, {}, false)).toBe(false);
    expect(colorEnabled(true, { NO_COLOR: '1' }, false)).toBe(false);
    expect(colorEnabled(true, { NO_COLOR: '' }, false)).toBe(true);
    expect(colorEnabled(true, {}, true)).toBe(false);
  });
});

describe('generated files', () => {
  it('completions in completions/ match the command tree (run `npm run gen`)', async () => {
    for (const shell of SHELLS) {
      const committed = readFileSync(join(repoRoot, 'completions', `noetl.${shell}`), 'utf8');
      expect(committed, `completions/noetl.${shell} is out of date: run npm run gen`).toBe(completionScript(shell, await program()));
    }
  });

  it('man pages in man/ match the command tree (run `npm run gen`)', async () => {
    const pages = manPages(await program(), pkg.version);
    expect(pages.has('noetl.1')).toBe(true);
    for (const [name, text] of pages) {
      expect(readFileSync(join(repoRoot, 'man', name), 'utf8'), `man/${name} is out of date: run npm run gen`).toBe(text);
    }
    for (const noun of (await program()).commands.filter((c) => c.name() !== 'help')) expect(pages.has(`noetl-${noun.name()}.1`)).toBe(true);
  });

  it('package.json installs every man page (its man entry)', async () => {
    const pages = [...manPages(await program(), pkg.version).keys()].map((name) => `./man/${name}`);
    expect([...(pkg.man ?? [])].sort()).toEqual(pages.sort());
  });

  it('npm ci meets no install script left unreviewed (package.json allowScripts)', () => {
    const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
    const withScripts = Object.entries(lock.packages)
      .filter(([, p]) => p.hasInstallScript)
      .map(([path]) => path.replace(/^.*node_modules\//, ''));
    expect(withScripts.length).toBeGreaterThan(0);
    for (const name of withScripts) expect(typeof pkg.allowScripts?.[name], `${name} has an install script: decide in package.json allowScripts`).toBe('boolean');
  });

  it('`noetl completion SHELL` prints the same script', async () => {
    const r = await runCli(['completion', 'bash']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(repoRoot, 'completions', 'noetl.bash'), 'utf8'));
    const bad = await runCli(['completion', 'tcsh']);
    expect(bad.code).toBe(2);
  });

  it('the bash completion completes nouns, verbs and option values', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = completionScript('bash', await program());
    const complete = (line: string) => {
      const words = line.split(' ');
      const out = spawnSync('bash', ['-c', `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _noetl; echo "\${COMPREPLY[*]}"`], {
        encoding: 'utf8',
      });
      return out.stdout.trim().split(' ');
    };
    expect(complete('noetl d')).toEqual(['db']);
    expect(complete('noetl db ')).toEqual(['migrate', 'status', 'info', 'agent']);
    expect(complete('noetl db status --exit')).toEqual(['--exit-code']);
    expect(complete('noetl -o ')).toEqual(['table', 'json', 'yaml']);
  });
});
