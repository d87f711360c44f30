/**
 * The vars group over a database, and the worker-side operations of seeds 000/001 (the bearer
 * pattern, step results, the template context) as functions over a Store: checks in core, rows
 * through src/backends/sql/variables.ts, values masked here unless revealed.
 */
import type { Variable, VariableStats, VarsApi } from '../../api/vars.js';
import { bearerTokenFromResult } from '../../core/bearer.js';
import { notFoundError } from '../../core/errors.js';
import { closest } from '../../core/suggest.js';
import {
  checkVariableName,
  checkVariableType,
  executionIdOf,
  mergeVariables,
  shownVariableValue,
  variableError,
  variableJson,
  type ExtendedContext,
  type VariableType,
} from '../../core/variables.js';
import * as repo from '../sql/variables.js';
import type { ExecutionVariable } from '../sql/variables.js';
import type { Store } from '../sql/store.js';
import type { LocalClientDeps } from './index.js';

export function localVars({ store }: LocalClientDeps): VarsApi {
  return {
    async set(input) {
      const v = await setVariable(store, {
        executionId: input.execution_id,
        name: input.name,
        value: input.value,
        type: input.type,
        sourceStep: input.source_step,
      });
      return toWire(v, false);
    },
    async get(executionId, name, { reveal = false } = {}) {
      const id = executionIdOf(executionId);
      const v = await repo.getVariableRecord(store, id, name);
      if (!v) throw await variableNotFound(store, id, name);
      return toWire(v, reveal);
    },
    async list(executionId, { type, reveal = false } = {}) {
      const variables = await repo.listVariables(store, executionIdOf(executionId), { type: type === undefined ? undefined : checkVariableType(type) });
      return variables.map((v) => toWire(v, reveal));
    },
    async remove(executionId, name) {
      const id = executionIdOf(executionId);
      if (!(await repo.deleteVariable(store, id, name))) throw await variableNotFound(store, id, name);
      return { execution_id: id, name, removed: 1 };
    },
    async removeAll(executionId) {
      const id = executionIdOf(executionId);
      return { execution_id: id, name: null, removed: await repo.deleteExecutionVariables(store, id) };
    },
    stats: () => variableStats(store),
  };
}

function toWire(v: ExecutionVariable, reveal: boolean): Variable {
  return {
    execution_id: v.executionId,
    name: v.name,
    type: v.type,
    source_step: v.sourceStep,
    created_at: v.createdAt.toISOString(),
    updated_at: v.updatedAt.toISOString(),
    value: shownVariableValue(v, reveal),
  };
}

/** Not found, with the closest name the execution has. */
async function variableNotFound(store: Store, executionId: string, name: string) {
  const names = await repo.listVariableNames(store, executionId);
  if (names.length === 0) return notFoundError(`no variables for execution ${executionId}`);
  const guess = closest(name, names);
  return notFoundError(`no variable '${name}' in execution ${executionId}${guess ? ` (did you mean '${guess}'?)` : ''}`, {
    hint: { command: `vars show ${executionId}` },
  });
}

async function variableStats(store: Store): Promise<VariableStats> {
  const stats = await repo.variableStats(store);
  return {
    total_variables: stats.totalVariables,
    total_executions: stats.totalExecutions,
    by_type: stats.byType,
    recent_bearer_tokens: stats.recentBearerTokens.map((b) => ({
      execution_id: b.executionId,
      name: b.name,
      source_step: b.sourceStep,
      created_at: b.createdAt.toISOString(),
    })),
  };
}

/** SetVariableInput of the library functions below (camelCase, as they have always been). */
export interface SetVariableRecord {
  executionId: string;
  name: string;
  value: unknown;
  type?: VariableType;
  sourceStep?: string | null;
}

/** Creates or replaces a variable (created_at kept on replace); returns it as stored, in clear. */
export async function setVariable(store: Store, input: SetVariableRecord): Promise<ExecutionVariable> {
  const type = checkVariableType(input.type ?? 'computed');
  checkVariableName(input.name);
  if (type === 'bearer_token' && (typeof input.value !== 'string' || input.value === '')) {
    throw variableError(`bearer token '${input.name}' must be a non-empty string`, 'invalid-value');
  }
  const json = variableJson(input.name, input.value);
  return repo.upsertVariable(store, { executionId: executionIdOf(input.executionId), name: input.name, type, json, sourceStep: input.sourceStep ?? null });
}

/** Stores a token string as a `bearer_token` variable, naming the step that produced it. */
export async function setBearerToken(store: Store, input: { executionId: string; name: string; token: string; sourceStep?: string | null }): Promise<ExecutionVariable> {
  return setVariable(store, { executionId: input.executionId, name: input.name, value: input.token, type: 'bearer_token', sourceStep: input.sourceStep });
}

/**
 * The bearer pattern: a step with `auth: {bearer: true, variable: NAME}` finished with `result`.
 * A string result is the token; an object's `access_token` is; anything else is refused
 * (`invalid`, reason 'bearer-result', whose message explains the expected return format).
 */
export async function setBearerTokenFromResult(
  store: Store,
  input: { executionId: string; variable: string; sourceStep: string; result: unknown },
): Promise<ExecutionVariable> {
  const extracted = bearerTokenFromResult(input.result, input.sourceStep);
  if (!extracted.ok) throw variableError(extracted.message, 'bearer-result');
  return setBearerToken(store, { executionId: input.executionId, name: input.variable, token: extracted.token, sourceStep: input.sourceStep });
}

/** A step's output as a `step_result` variable named after the step (`{{ step_name.field }}`). */
export async function setStepResult(store: Store, input: { executionId: string; stepName: string; result: unknown }): Promise<ExecutionVariable> {
  return setVariable(store, {
    executionId: input.executionId,
    name: input.stepName,
    value: input.result === undefined ? null : input.result,
    type: 'step_result',
    sourceStep: input.stepName,
  });
}

/** The whole stored record (type, source step, timestamps), in clear, or undefined. */
export async function getVariableRecord(store: Store, executionId: string, name: string): Promise<ExecutionVariable | undefined> {
  return repo.getVariableRecord(store, executionIdOf(executionId), name);
}

/** The variable's value, or undefined when the execution has no such variable. */
export async function getVariable(store: Store, executionId: string, name: string): Promise<unknown> {
  return (await getVariableRecord(store, executionId, name))?.value;
}

/** An execution's variables, in clear, oldest first. */
export async function listVariables(store: Store, executionId: string, options: { type?: VariableType } = {}): Promise<ExecutionVariable[]> {
  return repo.listVariables(store, executionIdOf(executionId), options);
}

/** How many variables an execution has, without reading their values. */
export async function countVariables(store: Store, executionId: string): Promise<number> {
  return (await repo.listVariableNames(store, executionIdOf(executionId))).length;
}

/** Every variable of an execution as `{name: value}` (the seeds' get_all_variables). */
export async function getAllVariables(store: Store, executionId: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const v of await listVariables(store, executionId)) out[v.name] = v.value;
  return out;
}

/** Deletes one variable; false when there was none. */
export async function deleteVariable(store: Store, executionId: string, name: string): Promise<boolean> {
  return repo.deleteVariable(store, executionIdOf(executionId), name);
}

/** Deletes every variable of an execution (when it completes); returns how many there were. */
export async function cleanupExecution(store: Store, executionId: string): Promise<number> {
  return repo.deleteExecutionVariables(store, executionIdOf(executionId));
}

/** The template context a worker renders with: `context` plus the execution's variables (see mergeVariables). */
export async function extendContextWithVariables(store: Store, context: Record<string, unknown>, executionId: string): Promise<ExtendedContext> {
  return mergeVariables(context, await listVariables(store, executionId));
}

