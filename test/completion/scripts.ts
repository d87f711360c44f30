import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noetlBin, repoRoot } from '../helpers/cli.js';

/** Whether a shell is installed (zsh and fish often are not: their tests say so and skip). */
export function hasShell(shell: string): boolean {
  return spawnSync(shell, ['-c', 'exit 0']).status === 0;
}

/**
 * What bash offers for `line` (the cursor at its end), as the script's function sets COMPREPLY.
 * bash splits words at '@' (COMP_WORDBREAKS): `--data @x` arrives as `--data`, `@`, `x`, as here (':'
 * and '=' too, which no case here needs); COMP_LINE is the line as typed.
 * The first word is the built CLI, as a user's `noetl` would be.
 */
export function bashComplete(script: string, line: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const words = line.replace(/@/g, ' @ ').trimEnd().split(/ +/).slice(1);
  if (line.endsWith(' ') || line.endsWith('@')) words.push('');
  const quoted = [noetlBin, ...words].map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('bash', ['-c', `${script}\nCOMP_WORDS=(${quoted}); COMP_CWORD=${words.length}; COMP_LINE="$NOETL_LINE"; COMP_POINT=\${#COMP_LINE}; _noetl; printf '%s\\n' "\${COMPREPLY[@]}"`], {
    encoding: 'utf8',
    env: { ...env, NOETL_LINE: line },
    cwd: repoRoot,
  });
  if (r.status !== 0) throw new Error(`bash: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

/**
 * What the zsh script offers for `line`: its function runs with zsh's completion builtins
 * replaced by ones that print what they were given (`_files` prints `<files>`, `<files -/>`).
 */
export function zshComplete(script: string, line: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'noetl-zsh-'));
  writeFileSync(join(dir, '_noetl'), script);
  const harness = `
compdef() { }
compadd() {
  local -a out; local arr=""
  while (( $# )); do
    case $1 in
      -S) shift 2 ;;
      -a) arr=$2; shift 2 ;;
      --) shift; out+=("$@"); break ;;
      *) out+=("$1"); shift ;;
    esac
  done
  [[ -n $arr ]] && out+=(\${(P)arr})
  (( \${#out} )) && print -rl -- $out
}
_files() { print -r -- "<files\${*:+ $*}>" }
_describe() { local arr=\${@[-1]}; print -rl -- \${(P)arr} }
compset() { if [[ $1 == -P && \${words[CURRENT]} == $2* ]]; then words[CURRENT]=\${words[CURRENT]#$2}; return 0; fi; return 1 }
source ${dir}/_noetl
words=("\${(@s: :)NOETL_LINE}")
words[1]=${noetlBin}
CURRENT=\${#words}
_noetl
`;
  const r = spawnSync('zsh', ['-f', '-c', harness], { encoding: 'utf8', env: { ...env, NOETL_LINE: line }, cwd: repoRoot });
  if (r.status !== 0) throw new Error(`zsh: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

/** What fish offers for `line` (its own completion engine, `complete -C`), without descriptions. */
export function fishComplete(script: string, line: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'noetl-fish-'));
  writeFileSync(join(dir, 'noetl.fish'), script);
  // The built CLI as `noetl`, as a user's would be on PATH.
  writeFileSync(join(dir, 'noetl'), `#!/bin/sh\nexec "${process.execPath}" "${noetlBin}" "$@"\n`, { mode: 0o755 });
  const r = spawnSync('fish', ['--no-config', '-c', `source ${dir}/noetl.fish; complete -C $NOETL_LINE`], {
    encoding: 'utf8',
    env: { ...env, NOETL_LINE: line, PATH: `${dir}:${env.PATH ?? ''}` },
    cwd: repoRoot,
  });
  if (r.status !== 0) throw new Error(`fish: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t')[0]);
}
