import type { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { argumentValues, completionScript, optionValues, staleCompletionEntries } from '../../src/cli/gen/completion.js';
import { flatten, walk, type CommandNode } from '../../src/cli/gen/tree.js';
import { buildProgram } from '../../src/cli/program.js';
import { RunContext } from '../../src/cli/run-context.js';
import { memIO } from '../helpers/memio.js';
import { bashComplete, fishComplete, hasShell, zshComplete } from './scripts.js';

const CREDENTIAL_TYPES = ['postgres', 'oauth2', 'bearer', 'basic', 'api_key', 'service_account', 'snowflake'];
const VARIABLE_TYPES = ['step_result', 'bearer_token', 'computed', 'user_defined'];
const KEYCHAIN_SCOPES = ['global', 'catalog', 'local', 'shared'];
const CACHE_SCOPES = ['execution', 'global'];

let program: Command;
let nodes: Map<string, CommandNode>;
beforeAll(async () => {
  program = await buildProgram(new RunContext(memIO().io, {}));
  nodes = new Map(flatten(walk(program)).map((n) => [n.path.join(' '), n]));
});

function valuesOf(path: string, flag: string) {
  const node = nodes.get(path)!;
  const option = [...node.options, ...nodes.get('noetl')!.options].find((o) => o.long === flag || o.short === flag)!;
  return optionValues(node, option);
}

describe('what a value completes to depends on the command', () => {
  it('in the tree: the same flag means what it means in that command', () => {
    expect(valuesOf('noetl credential add', '-f')).toEqual({ files: 'any' });
    expect(valuesOf('noetl lint', '--format')).toEqual({ words: ['text', 'json', 'sarif', 'github', 'compact'] });
    expect(valuesOf('noetl credential add', '--type')).toEqual({ words: CREDENTIAL_TYPES });
    expect(valuesOf('noetl keychain set', '--type')).toEqual({ words: CREDENTIAL_TYPES });
    expect(valuesOf('noetl vars show', '--type')).toEqual({ words: VARIABLE_TYPES });
    expect(valuesOf('noetl vars set', '--type')).toEqual({ words: ['computed', 'user_defined'] });
    expect(valuesOf('noetl keychain get', '--scope')).toEqual({ words: KEYCHAIN_SCOPES });
    expect(valuesOf('noetl cache ls', '--scope')).toEqual({ words: CACHE_SCOPES });
    expect(valuesOf('noetl keychain set', '--data')).toEqual({ files: 'at' });
    expect(valuesOf('noetl keychain ls', '--playbook')).toEqual({ names: 'playbooks' });
    expect(valuesOf('noetl keychain ls', '--name')).toEqual({ names: 'keychain' });
    expect(valuesOf('noetl keychain get', '--execution')).toBeUndefined();
    expect(valuesOf('noetl db status', '--data-dir')).toEqual({ files: 'dirs' });
    expect(argumentValues(nodes.get('noetl credential get')!)).toEqual({ names: 'credentials' });
    expect(argumentValues(nodes.get('noetl keychain rm')!)).toEqual({ names: 'keychain' });
    expect(argumentValues(nodes.get('noetl catalog show')!)).toEqual({ names: 'playbooks' });
    expect(argumentValues(nodes.get('noetl lint')!)).toEqual({ files: 'any' });
    expect(argumentValues(nodes.get('noetl completion')!)).toEqual({ words: ['bash', 'zsh', 'fish'] });
  });

  it('every entry of the completion tables names a command and option that exist (a rename would leave one behind)', () => {
    expect(staleCompletionEntries(program)).toEqual([]);
  });

  it('the hidden __values command is in no script, help or man page', () => {
    expect([...nodes.keys()].filter((k) => k.includes('__values'))).toEqual([]);
    for (const shell of ['bash', 'zsh', 'fish'] as const) expect(completionScript(shell, program)).not.toMatch(/'noetl completion __values'/);
  });

  it('bash', () => {
    const script = completionScript('bash', program);
    const complete = (line: string) => bashComplete(script, line);
    // Nothing from the script: `complete -o default` completes file names.
    expect(script).toContain('complete -o default -F _noetl noetl');
    expect(complete('noetl credential add -f ')).toEqual([]);
    expect(complete('noetl credential add --file ')).toEqual([]);
    expect(complete('noetl lint --format ')).toEqual(['text', 'json', 'sarif', 'github', 'compact']);
    expect(complete('noetl credential add --type ')).toEqual(CREDENTIAL_TYPES);
    expect(complete('noetl credential add -t o')).toEqual(['oauth2']);
    expect(complete('noetl vars show 5 --type ')).toEqual(VARIABLE_TYPES);
    expect(complete('noetl vars set 5 x --type ')).toEqual(['computed', 'user_defined']);
    expect(complete('noetl keychain get x --scope ')).toEqual(KEYCHAIN_SCOPES);
    expect(complete('noetl cache ls --scope ')).toEqual(CACHE_SCOPES);
    expect(complete('noetl keychain set x --data ')).toEqual(['@', '-']);
    expect(complete('noetl keychain set x --data @test/fixtures/quickstart/p')).toEqual(['@test/fixtures/quickstart/pg_local.json', '@test/fixtures/quickstart/playbook.yaml']);
    expect(complete('noetl keychain set x --data @test/fixtures/quick')).toEqual(['@test/fixtures/quickstart/']);
    expect(complete('noetl lint --explain undefined-w')).toEqual(['undefined-workload-key']);
    expect(complete('noetl keychain get --execution ')).toEqual([]);
    expect(complete('noetl -o ')).toEqual(['table', 'json', 'yaml']);
    expect(complete('noetl completion ')).toEqual(['bash', 'zsh', 'fish']);
    expect(complete('noetl db ')).toEqual(['migrate', 'status', 'info', 'agent']);
  });

  it.skipIf(!hasShell('zsh'))('zsh (skipped when zsh is not installed)', () => {
    const script = completionScript('zsh', program);
    const complete = (line: string) => zshComplete(script, line);
    expect(complete('noetl credential add -f ')).toEqual(['<files>']);
    expect(complete('noetl lint --format ')).toEqual(['text', 'json', 'sarif', 'github', 'compact']);
    expect(complete('noetl credential add --type ')).toEqual(CREDENTIAL_TYPES);
    expect(complete('noetl vars show 5 --type ')).toEqual(VARIABLE_TYPES);
    expect(complete('noetl keychain get x --scope ')).toEqual(KEYCHAIN_SCOPES);
    expect(complete('noetl cache ls --scope ')).toEqual(CACHE_SCOPES);
    expect(complete('noetl keychain set x --data ')).toEqual(['@', '-']);
    expect(complete('noetl keychain set x --data @')).toEqual(['<files>']);
    expect(complete('noetl --data-dir ')).toEqual(['<files -/>']);
    expect(complete('noetl keychain get --execution ')).toEqual([]);
    expect(complete('noetl lint ')).toEqual(['<files>']);
    expect(complete('noetl completion ')).toEqual(['bash', 'zsh', 'fish']);
  });

  it.skipIf(!hasShell('fish'))('fish (skipped when fish is not installed)', () => {
    const script = completionScript('fish', program);
    const complete = (line: string) => fishComplete(script, line);
    const here = 'test/fixtures/quickstart/p';
    expect(complete(`noetl credential add -f ${here}`)).toEqual([`${here}g_local.json`, `${here}laybook.yaml`]);
    expect(complete(`noetl lint ${here}`)).toEqual([`${here}g_local.json`, `${here}laybook.yaml`]);
    expect(complete('noetl credential add --type ').sort()).toEqual([...CREDENTIAL_TYPES].sort());
    expect(complete('noetl vars show 5 --type ').sort()).toEqual([...VARIABLE_TYPES].sort());
    expect(complete('noetl keychain get x --scope ').sort()).toEqual([...KEYCHAIN_SCOPES].sort());
    expect(complete('noetl cache ls --scope ').sort()).toEqual([...CACHE_SCOPES].sort());
    expect(complete('noetl keychain set x --data ')).toEqual(['@', '-']);
    expect(complete(`noetl keychain set x --data @${here}`)).toEqual([`@${here}g_local.json`, `@${here}laybook.yaml`]);
    expect(complete('noetl keychain get --execution ')).toEqual([]);
  });
});
