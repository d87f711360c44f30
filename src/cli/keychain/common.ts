import { Option, type Command } from 'commander';
import { checkDuration, durationProblem } from '../../core/duration.js';
import { maskValue } from '../../core/mask.js';
import { isScopeType, scopeFlagConflict, SCOPE_TYPES, type ScopeRef, type ScopeType } from '../../core/scope.js';
import type { Store } from '../../backends/sql/store.js';
import { invalidError } from '../../core/errors.js';
import { id64Arg, withExecutionOption } from '../args.js';

/** How a keychain command names its playbook and scope. */
export interface ScopeFlags {
  playbook?: string;
  catalogId?: string;
  scope?: string;
  execution?: string;
  rootExecution?: string;
}

export function addPlaybookOptions(command: Command): Command {
  return command
    .option('--playbook <path[@version]>', 'the playbook, by catalog path (latest version unless @VERSION)')
    .option('--catalog-id <id>', 'the playbook, by its 64-bit catalog id');
}

export function addScopeOptions(command: Command): Command {
  addPlaybookOptions(command).addOption(
    new Option('--scope <scope>', 'global, catalog, local (one execution) or shared (an execution tree)').choices([...SCOPE_TYPES]).default('global'),
  );
  return withExecutionOption(command, 'the execution (required for local and shared)').option('--root-execution <id>', 'the root execution of the tree (shared; default: --execution)');
}

function idFlag(text: string | undefined, flag: string): string | undefined {
  return text === undefined ? undefined : id64Arg(text, flag);
}

/** The scope part of the flags, checked before anything is opened: a conflict exits 2 naming it. */
export function checkScopeFlags(flags: ScopeFlags): { scope: ScopeType; executionId?: string; rootExecutionId?: string } {
  const scope = flags.scope ?? 'global';
  if (!isScopeType(scope)) throw invalidError(`--scope '${scope}' is not one of ${SCOPE_TYPES.join(', ')}`);
  const conflict = scopeFlagConflict(scope, { execution: flags.execution, rootExecution: flags.rootExecution });
  if (conflict) throw invalidError(conflict);
  return { scope, executionId: idFlag(flags.execution, '--execution'), rootExecutionId: idFlag(flags.rootExecution, '--root-execution') };
}

/** Checks --playbook/--catalog-id before the store is opened (exactly one; an id must be one). */
export function checkPlaybookFlags(flags: ScopeFlags, required = true): void {
  if (flags.playbook && flags.catalogId) throw invalidError('--playbook and --catalog-id both name a playbook: give one of them');
  if (required && !flags.playbook && !flags.catalogId) throw invalidError('name the playbook with --playbook PATH[@VERSION] or --catalog-id ID');
  idFlag(flags.catalogId, '--catalog-id');
}

/** The full reference: flags checked, then the playbook resolved in the catalog (exit 3 if unknown). */
export async function resolveScopeRef(store: Store, flags: ScopeFlags): Promise<ScopeRef> {
  const scope = checkScopeFlags(flags);
  checkPlaybookFlags(flags);
  const { resolvePlaybookSelector } = await import('../../backends/local/catalog.js');
  const entry = await resolvePlaybookSelector(store, { playbook: flags.playbook, catalog_id: flags.catalogId });
  return { ...scope, catalogId: entry.catalog_id };
}

/** A duration flag (`90s`, `30m`, `24h`, `7d`, at most 100 years) in seconds; anything else exits 2. */
export function durationFlag(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const checked = checkDuration(text);
  if ('problem' in checked) throw invalidError(`${flag} '${text}' ${durationProblem(checked.problem)}`);
  return checked.seconds;
}

/** Keychain data as shown without --reveal: every leaf masked. */
export function shownData(value: unknown, reveal: boolean): unknown {
  return reveal ? value : maskValue(value);
}
