import { Option, type Command } from 'commander';
import { checkDuration, durationProblem } from '../../core/duration.js';
import { isScopeType, scopeNeedsExecution, SCOPE_TYPES, type ScopeType } from '../../core/scope.js';
import type { KeychainSelector } from '../../api/keychain.js';
import { MAX_REQUEST_TIMEOUT_SECONDS } from '../../core/endpoint.js';
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

/**
 * Checks scope flags up front (like `gh secret set`): an execution is required for local
 * and shared, meaningless for global and catalog, and a root execution only means something
 * for shared. Returns the conflict as one sentence naming it, or undefined when consistent.
 */
export function scopeFlagConflict(scope: ScopeType, flags: { execution?: string; rootExecution?: string }): string | undefined {
  if (scopeNeedsExecution(scope) && !flags.execution) {
    return `--scope ${scope} needs --execution ID: ${scope} entries belong to ${scope === 'local' ? 'one execution' : 'an execution tree'}`;
  }
  if (!scopeNeedsExecution(scope) && flags.execution) {
    return `--execution conflicts with --scope ${scope}: ${scope} entries are visible to every execution of the playbook; drop --execution or use --scope local|shared`;
  }
  if (scope !== 'shared' && flags.rootExecution) {
    return `--root-execution conflicts with --scope ${scope}: only shared entries belong to an execution tree; drop it or use --scope shared`;
  }
  return undefined;
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

/** The selector the flags name, checked before anything is opened (a conflict is invalid, naming the flags). */
export function selectorOf(flags: ScopeFlags): KeychainSelector {
  const { scope, executionId, rootExecutionId } = checkScopeFlags(flags);
  checkPlaybookFlags(flags);
  return {
    playbook: flags.playbook,
    catalog_id: flags.catalogId === undefined ? undefined : id64Arg(flags.catalogId, '--catalog-id'),
    scope,
    execution_id: executionId,
    root_execution_id: rootExecutionId,
  };
}

/** A --timeout flag in seconds: a duration of at most the 600 s a request may wait. */
export function timeoutFlag(text: string | undefined, flag = '--timeout'): number | undefined {
  const seconds = durationFlag(text, flag);
  if (seconds !== undefined && seconds > MAX_REQUEST_TIMEOUT_SECONDS) throw invalidError(`${flag} is more than the ${MAX_REQUEST_TIMEOUT_SECONDS}s a token request may wait`);
  return seconds;
}

/** A duration flag (`90s`, `30m`, `24h`, `7d`, at most 100 years) in seconds; anything else exits 2. */
export function durationFlag(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const checked = checkDuration(text);
  if ('problem' in checked) throw invalidError(`${flag} '${text}' ${durationProblem(checked.problem)}`);
  return checked.seconds;
}

